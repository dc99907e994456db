// Chapter 6's checkpoint from the shim's side: pods run as engine containers through dockershim; the real docker CLI
// sees them; one container exec'd three ways (docker CLI, CRI gRPC, kubectl); a dead engine, a deleted pod, and
// nothing left behind. Cumulative: every exec scenario of chapters 2 to 5 against this checkpoint.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../src/api/types.ts';
import { StatusError } from '../../src/api/status.ts';
import { waitFor } from '../../src/util/wait.ts';
import { execScenarios } from './exec-scenarios.ts';
import { run, useCheckpoint, type CriContext, type Run } from './cri-common.ts';

execScenarios('engine', { missingCommand: 'exit-126' });

const dockerCLI = ['/usr/bin/docker', '/usr/local/bin/docker'].find((p) => existsSync(p));

function docker(ctx: CriContext, node: string, args: string[]): Promise<Run> {
  const host = `unix://${ctx.cp.announcements[`docker-${node}`]!.socket}`;
  return run(dockerCLI ?? 'docker', args, { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(tmpdir(), 'dockershim-test-docker-config') });
}

function crictl(ctx: CriContext, node: string, args: string[]): Promise<Run> {
  return run(process.execPath, ['--import', 'tsx', 'src/cri/crictl.ts', '--runtime-endpoint', `unix://${ctx.cp.announcements[`shim-${node}`]!.socket}`, ...args], process.env);
}

const isolated = (ctx: CriContext, node = 'node-1') => (ctx.cp.announcements[`docker-${node}`] as { isolation?: string }).isolation === 'namespaces';

// Every pid whose command line is exactly `argv`.
function pidsOf(argv: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try { return readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === argv; } catch { return false; }
  }).map(Number);
}

// The state folder of the suite below: other suites (the book's chapter 6, the exec scenarios) run engines of their own
// at the same time, so what is left is looked for under this one only.
let suiteStateDir: string | undefined;

describe('chapter 6 (engine): the shim as dockershim', () => {
  const ctx = useCheckpoint('engine');
  before(() => { suiteStateDir = ctx.cp.stateDir; });

  test('a pod runs as two engine containers, named and labelled as cri-dockerd does; the kubelet reports docker://', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    if (!dockerCLI) return t.skip('the docker CLI is not installed');
    await ctx.createPod('ds-web', { nodeName: 'node-1' });
    const pod = await ctx.phase('ds-web', 'Running');
    const status = pod.status!.containerStatuses![0]!;
    assert.match(status.containerID!, /^docker:\/\/[0-9a-f]{64}$/);
    const node = (await ctx.client.get<{ status: { nodeInfo: { containerRuntimeVersion: string } } }>('/api/v1/nodes/node-1')).status.nodeInfo;
    assert.match(node.containerRuntimeVersion, /^docker:\/\/\d+\.\d+/);
    const uid = pod.metadata.uid!;
    const ps = await docker(ctx, 'node-1', ['ps', '--filter', `label=io.kubernetes.pod.uid=${uid}`, '--format', '{{.Names}} {{.Label "io.kubernetes.docker.type"}} {{.Label "io.kubernetes.container.name"}}']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.deepEqual(ps.stdout.trim().split('\n').sort(), [
      `k8s_POD_ds-web_default_${uid}_0 podsandbox POD`,
      `k8s_ds-web_ds-web_default_${uid}_0 container ds-web`,
    ]);
    // The container joins its sandbox's ipc and uts namespaces (and network), by id.
    const sandboxId = (await docker(ctx, 'node-1', ['ps', '-q', '--no-trunc', '--filter', `label=io.kubernetes.pod.uid=${uid}`, '--filter', 'label=io.kubernetes.docker.type=podsandbox'])).stdout.trim();
    const modes = await docker(ctx, 'node-1', ['inspect', '--format', '{{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.NetworkMode}} {{index .Config.Labels "io.kubernetes.sandbox.id"}}', status.containerID!.slice('docker://'.length)]);
    assert.equal(modes.stdout.trim(), `container:${sandboxId} container:${sandboxId} container:${sandboxId} ${sandboxId}`);
  });

  test('kubectl exec nginx -- ps shows only the container\'s own processes', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    if (!isolated(ctx)) return t.skip('the engine runs containers as host processes here (not root, or no namespaces): ps would list the host');
    await ctx.createPod('ds-ps', { nodeName: 'node-1' });
    await ctx.phase('ds-ps', 'Running');
    const r = await ctx.k('exec', 'ds-ps', '--', 'ps');
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').slice(1);
    // The container's init (pid 1) and ps itself, with whatever the image's server forked: a handful, not the host's hundreds.
    assert.ok(rows.length >= 2 && rows.length <= 6, r.stdout);
    assert.match(rows[0]!, /^\s*1\s/);
    assert.ok(rows.some((l) => / ps$/.test(l.trim())), r.stdout);
  });

  test('a pod container with tty: true runs on a terminal of its own (Config.Tty; pid 1 on the container\'s /dev/pts/0)', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    if (!dockerCLI) return t.skip('the docker CLI is not installed');
    // sh with a terminal and no input waits at its prompt: without one it would read EOF and exit.
    await ctx.createPod('ds-tty', { nodeName: 'node-1' }, { image: 'busybox', command: ['sh'], tty: true, stdin: true });
    const pod = await ctx.phase('ds-tty', 'Running');
    const id = pod.status!.containerStatuses![0]!.containerID!.slice('docker://'.length);
    const tty = await docker(ctx, 'node-1', ['inspect', '--format', '{{.Config.Tty}} {{.Config.OpenStdin}}', id]);
    assert.equal(tty.stdout.trim(), 'true true');
    const fd0 = await ctx.k('exec', 'ds-tty', '--', 'sh', '-c', 'readlink /proc/1/fd/0; readlink /proc/1/fd/1');
    assert.equal(fd0.code, 0, fd0.stderr);
    if (isolated(ctx)) assert.equal(fd0.stdout, '/dev/pts/0\n/dev/pts/0\n');
    else assert.match(fd0.stdout, /^(\/dev\/pts\/\d+)\n\1\n$/);
    // What the terminal showed is the container's log (one stream, raw: no frames with a terminal).
    const logs = await docker(ctx, 'node-1', ['logs', id]);
    assert.match(logs.stdout, /built-in shell \(ash\)\r\n/, 'the shell\'s banner, as the terminal showed it (CRLF)');
  });

  test('one container exec\'d three ways: the docker CLI, CRI gRPC (crictl), and kubectl see the same files', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    if (!dockerCLI) return t.skip('the docker CLI is not installed');
    await ctx.createPod('ds-three', { nodeName: 'node-1' });
    const pod = await ctx.phase('ds-three', 'Running');
    const id = pod.status!.containerStatuses![0]!.containerID!.slice('docker://'.length);
    const marker = `m${randomInt(1e9)}`;
    // Relative to the container's working directory: the same folder whichever way in.
    const viaDocker = await docker(ctx, 'node-1', ['exec', id, 'sh', '-c', `echo ${marker} > marker; echo docker; exit 4`]);
    assert.deepEqual([viaDocker.code, viaDocker.stdout], [4, 'docker\n'], viaDocker.stderr);
    const viaCri = await crictl(ctx, 'node-1', ['exec', '--sync', id.slice(0, 12), '--', 'cat', 'marker']);
    assert.deepEqual([viaCri.code, viaCri.stdout], [0, `${marker}\n`], viaCri.stderr);
    const viaCriStream = await crictl(ctx, 'node-1', ['exec', id, '--', 'sh', '-c', 'cat marker >&2; exit 5']);
    assert.deepEqual([viaCriStream.code, viaCriStream.stderr.includes(marker)], [5, true], viaCriStream.stderr);
    const viaKubectl = await ctx.k('exec', 'ds-three', '--', 'sh', '-c', 'cat marker; exit 6');
    assert.deepEqual([viaKubectl.code, viaKubectl.stdout, viaKubectl.stderr], [6, `${marker}\n`, 'command terminated with exit code 6\n']);
    // The exit code's message is cri-dockerd's, on the error channel: our kubectl prints the Status message.
    const ours = await run('npm', ['run', '-s', 'kubectl', '--', 'exec', 'ds-three', '--', 'sh', '-c', 'exit 6'], ctx.cp.env);
    assert.equal(ours.code, 6, ours.stderr);
  });

  test('ExecSync through the engine: stdout and stderr apart, the exit code, a timeout as DeadlineExceeded', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('ds-sync', { nodeName: 'node-1' });
    const pod = await ctx.phase('ds-sync', 'Running');
    const id = pod.status!.containerStatuses![0]!.containerID!.slice('docker://'.length);
    const r = await crictl(ctx, 'node-1', ['exec', '--sync', id, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
    const missing = await crictl(ctx, 'node-1', ['exec', '--sync', 'ffffffffffff', '--', 'true']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /code = NotFound desc = Error response from daemon: No such container: ffffffffffff/);
  });

  test('killing the engine mid-stream: kubectl exits non-zero with an error naming the engine; the node goes NotReady and recovers', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('ds-crash', { nodeName: 'node-2' });
    await ctx.phase('ds-crash', 'Running');
    const child = spawn('kubectl', ['--kubeconfig', ctx.cp.kubeconfig, 'exec', 'ds-crash', '--', 'sh', '-c', 'echo started; sleep 30; echo finished'], { env: ctx.cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    await waitFor(() => stdout.includes('started'), { what: 'the exec to start' });
    await ctx.cp.stopComponent('docker-node-2', 'SIGKILL');
    const code = await done;
    assert.notEqual(code, 0);
    assert.equal(stdout, 'started\n');
    assert.match(stderr, /runtime shim node-2: .*docker-node-2\.sock/);
    await waitFor(async () => {
      const n = await ctx.client.get<{ status: { conditions: { type: string; status: string }[] } }>('/api/v1/nodes/node-2');
      return n.status.conditions.find((c) => c.type === 'Ready')?.status === 'False';
    }, { timeoutMs: 20_000, what: 'node-2 NotReady while its engine is down' });
    await ctx.cp.startComponent('docker-node-2');
    const again = await waitFor(async () => { const r = await ctx.k('exec', 'ds-crash', '--', 'echo', 'back'); return r.code === 0 && r; }, { timeoutMs: 40_000, what: 'exec to work again' });
    assert.equal(again.stdout, 'back\n');
  });

  test('deleting a pod ends its exec sessions within 2 s, and leaves no process behind', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('ds-del', { nodeName: 'node-1', terminationGracePeriodSeconds: 1 });
    await ctx.phase('ds-del', 'Running');
    const marker = `sleep ${randomInt(100000, 999999)}`;
    const child = spawn('kubectl', ['--kubeconfig', ctx.cp.kubeconfig, 'exec', 'ds-del', '--', 'sh', '-c', `echo started; exec ${marker}`], { env: ctx.cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => { stdout += c; });
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    await waitFor(() => stdout.includes('started') && pidsOf(marker).length === 1, { what: 'the exec to start' });
    // The kubelet stops the container (nginx's stop signal ends it at once); the pid namespace's end ends the session.
    const started = Date.now();
    await ctx.client.delete(`/api/v1/namespaces/default/pods/ds-del`);
    const code = await done;
    assert.notEqual(code, 0);
    assert.ok(Date.now() - started < 2000, `the session ended ${Date.now() - started} ms after the delete`);
    await waitFor(() => pidsOf(marker).length === 0, { timeoutMs: 2000, what: `${marker} to be gone` });
    await waitFor(async () => {
      try { await ctx.client.get<Pod>('/api/v1/namespaces/default/pods/ds-del'); return false; } catch (err) { return err instanceof StatusError && err.code === 404; }
    }, { timeoutMs: 20_000, what: 'the pod to be gone' });
  });
});

// The checkpoint's processes and mounts are gone once it stops (run after the suite above stopped it).
test('after the checkpoint stops: no engine, shim or container process left', async (t) => {
  if (!suiteStateDir) return t.skip('the suite above did not start its checkpoint');
  const dir = suiteStateDir;
  // Components name the folder in their flags, container inits in their root's path.
  const left = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
    try { return readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' '); } catch { return ''; }
  }).filter((cmd) => cmd.includes(dir));
  assert.deepEqual(left, []);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
  assert.deepEqual(mounts, []);
});
