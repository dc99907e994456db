// What chapters 4 and 5 check alike against their checkpoints: pods through CRI, how containers end,
// a dead shim and its recovery. Used by tests/acceptance/cri.test.ts and streaming.test.ts.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { startCheckpoint, type RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { RESTClient } from '../../src/client/rest-client.ts';
import { waitFor } from '../../src/util/wait.ts';
import { watch } from '../../src/client/watch.ts';
import type { Pod } from '../../src/api/types.ts';

export interface Run { code: number; stdout: string; stderr: string }
export function run(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}
export const hasKubectl = () => new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)));

export interface CriContext {
  cp: RunningCheckpoint;
  client: RESTClient;
  kubectl: boolean;
  k(...args: string[]): Promise<Run>;
  createPod(name: string, spec?: Partial<Pod['spec']>, container?: Partial<Pod['spec']['containers'][number]>): Promise<Pod>;
  phase(name: string, phase: string): Promise<Pod>;
}

// Starts the checkpoint once for the suite, and stops it after, even when a test fails.
export function useCheckpoint(slug: string): CriContext {
  const ctx = {} as CriContext;
  before(async () => {
    ctx.kubectl = await hasKubectl();
    if (!ctx.kubectl) console.log(`# ${slug}: the real kubectl is not on PATH; its tests are skipped`);
    ctx.cp = await startCheckpoint(slug);
    ctx.client = new RESTClient({ server: ctx.cp.announcements.apiserver!.url! });
    ctx.k = (...args) => run('kubectl', ['--kubeconfig', ctx.cp.kubeconfig, ...args], ctx.cp.env);
    ctx.createPod = (name, spec = {}, container = {}) => ctx.client.post<Pod>('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name, image: 'nginx', ...container }], ...spec },
    });
    ctx.phase = (name, phase) => waitFor(async () => {
      const p = await ctx.client.get<Pod>(`/api/v1/namespaces/default/pods/${name}`);
      return p.status?.phase === phase && p;
    }, { timeoutMs: 30_000, what: `pod ${name} ${phase}` });
  });
  after(async () => { await ctx.cp?.stop(); });
  return ctx;
}

export function podLifecycleTests(ctx: CriContext): void {
  test('a pod reaches 1/1 Running through CRI, with a container ID from the shim', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('cri-web');
    const pod = await ctx.phase('cri-web', 'Running');
    assert.match(pod.status!.containerStatuses![0]!.containerID!, /^workbook-shim:\/\/[0-9a-f]{64}$/);
    const r = await ctx.k('get', 'po', 'cri-web');
    assert.match(r.stdout, /\ncri-web\s+1\/1\s+Running\s+0\s+/);
    const e = await ctx.k('exec', 'cri-web', '--', 'sh', '-c', 'echo $HOSTNAME $NGINX_VERSION; basename $PWD');
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.stdout, 'cri-web 1.27.0\nrootfs\n');
  });

  test('containers that end show Completed or Error with their exit code', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('cri-done', { restartPolicy: 'Never' }, { image: 'busybox', command: ['sh', '-c', 'echo finished'] });
    await ctx.createPod('cri-fail', { restartPolicy: 'Never' }, { image: 'busybox', command: ['sh', '-c', 'exit 3'] });
    await ctx.phase('cri-done', 'Succeeded');
    const failed = await ctx.phase('cri-fail', 'Failed');
    assert.equal(failed.status!.containerStatuses![0]!.state.terminated?.exitCode, 3);
    const r = await ctx.k('get', 'po', 'cri-done', 'cri-fail');
    assert.match(r.stdout, /\ncri-done\s+0\/1\s+Completed\s+0\s+/);
    assert.match(r.stdout, /\ncri-fail\s+0\/1\s+Error\s+0\s+/);
    // A container that does not run has nothing to exec into.
    const e = await ctx.k('exec', 'cri-fail', '--', 'date');
    assert.notEqual(e.code, 0);
  });

  test('deleting a pod stops and removes its container', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('cri-gone');
    const pod = await ctx.phase('cri-gone', 'Running');
    const node = pod.spec.nodeName!;
    const crictl = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cri/crictl.ts', '--runtime-endpoint', `unix://${ctx.cp.announcements[`shim-${node}`]!.socket}`, ...args], ctx.cp.env);
    assert.match((await crictl('ps', '--name=cri-gone', '-q')).stdout, /^[0-9a-f]{64}\n$/);
    const d = await ctx.k('delete', 'pod', 'cri-gone', '--wait=true');
    assert.equal(d.code, 0, d.stderr);
    await waitFor(async () => (await crictl('ps', '-a', '--name=cri-gone', '-q')).stdout === '', { what: 'the container removed from the shim' });
  });

  test('ExecSync through our crictl, as crictl exec --sync does it', async () => {
    await ctx.createPod('cri-sync');
    const pod = await ctx.phase('cri-sync', 'Running');
    const endpoint = `unix://${ctx.cp.announcements[`shim-${pod.spec.nodeName}`]!.socket}`;
    const id = pod.status!.containerStatuses![0]!.containerID!.replace('workbook-shim://', '');
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cri/crictl.ts', '--runtime-endpoint', endpoint, 'exec', '--sync', id.slice(0, 13), '--', 'sh', '-c', 'echo out; echo err >&2; exit 5'], ctx.cp.env);
    assert.deepEqual(r, { code: 5, stdout: 'out\n', stderr: 'err\n' });
  });
}

// Starts a long exec with the real kubectl and resolves once its first output line arrived.
export function longExec(ctx: CriContext, pod: string, seconds: number): { done: Promise<Run>; started: Promise<void> } {
  const child = spawn('kubectl', ['--kubeconfig', ctx.cp.kubeconfig, 'exec', pod, '--', 'sh', '-c', `echo started; sleep ${seconds}; echo finished`], { env: ctx.cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  let resolveStarted!: () => void;
  const started = new Promise<void>((r) => { resolveStarted = r; });
  child.stdout.on('data', (c: Buffer) => { stdout += c; if (stdout.includes('started')) resolveStarted(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c; });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  return { done, started };
}

// A shim killed with SIGKILL, a new exec that names the hop, the same shim started again on the same
// socket, and the kubelet recovering: the pod's container is restarted and exec works again.
export function deadShimTests(ctx: CriContext, midStream: 'breaks' | 'ends-with-container'): void {
  test(`killing the shim: the session ${midStream === 'breaks' ? 'breaks' : 'ends with its container (the kubelet runs it)'}, errors name the hop, and the kubelet recovers when the shim comes back`, async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('cri-crash', { nodeName: 'node-1' });
    await ctx.phase('cri-crash', 'Running');
    const session = longExec(ctx, 'cri-crash', 20);
    await session.started;
    await ctx.cp.stopComponent('shim-node-1', 'SIGKILL');
    if (midStream === 'breaks') {
      const r = await session.done;
      assert.notEqual(r.code, 0, 'kubectl must not report success for a cut stream');
      assert.equal(r.stdout, 'started\n');
      // The kubelet saw its connection to the shim's streaming server end and said so on the error channel.
      assert.match(r.stderr, /^error: Internal error occurred: kubelet node-1: runtime shim node-1: the streaming connection was lost: (EOF|read ECONNRESET)\n$/);
    } else {
      // Chapter 4's exec is the kubelet's own child, but its container died with the shim: the kubelet,
      // finding the runtime gone, kills the command as the container's end would have.
      const r = await session.done;
      assert.deepEqual([r.code, r.stdout, r.stderr], [137, 'started\n', 'command terminated with exit code 137\n']);
    }
    const failed = await waitFor(async () => { const r = await ctx.k('exec', 'cri-crash', '--', 'date'); return r.code !== 0 && r; }, { what: 'exec to fail while the shim is down' });
    assert.match(failed.stderr, /unable to upgrade connection: runtime shim node-1: rpc error: code = Unavailable desc = /);
    await ctx.cp.startComponent('shim-node-1');
    // The restarted shim ended the container its predecessor left; the PLEG sees it and the kubelet restarts it.
    const pod = await waitFor(async () => {
      const p = await ctx.client.get<Pod>('/api/v1/namespaces/default/pods/cri-crash');
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.running && p;
    }, { timeoutMs: 40_000, what: 'the container restarted after the shim came back' });
    assert.equal(pod.status!.containerStatuses![0]!.lastState?.terminated?.exitCode, 137);
    const ok = await ctx.k('exec', 'cri-crash', '--', 'echo', 'back');
    assert.equal(ok.stdout, 'back\n', ok.stderr);
  });
}

// The node sees its runtime (issue 8): a dead shim turns the node NotReady with the real kubelet's reason
// and message, pod syncs wait (a pod bound meanwhile stays Pending), and when the shim is back the node is
// Ready again, the dead container is reported (exit 137) and restarted, and the waiting pod starts.
export function runtimeDownTests(ctx: CriContext): void {
  test('a dead runtime: node NotReady "container runtime is down", pods wait, and everything resumes when it is back', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('nh-web', { nodeName: 'node-1' });
    await ctx.phase('nh-web', 'Running');
    // Every status the kubelet writes for nh-web, from here on.
    const seen: Pod[] = [];
    const stop = new AbortController();
    const watching = (async () => {
      for await (const e of watch<Pod>(ctx.client, '/api/v1/namespaces/default/pods', { query: { fieldSelector: 'metadata.name=nh-web' }, signal: stop.signal })) seen.push(e.object);
    })().catch(() => {});
    t.after(() => stop.abort());

    await ctx.cp.stopComponent('shim-node-1', 'SIGKILL');
    const readyOf = '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}';
    const down = await waitFor(async () => {
      const r = await ctx.k('get', 'node', 'node-1', '-o', `jsonpath=${readyOf}`);
      return r.stdout.startsWith('False') && r;
    }, { timeoutMs: 30_000, what: 'node-1 NotReady' });
    assert.match(down.stdout, /^False KubeletNotReady: (container runtime is down|\[container runtime is down, PLEG is not healthy: pleg was last seen active [\d.ms]+ ago; threshold is 18s\])$/);
    const nodes = await ctx.k('get', 'nodes');
    assert.match(nodes.stdout, /\nnode-1\s+NotReady\s+<none>\s+\S+\s+v1\.32\.0\n/);
    assert.match(nodes.stdout, /\nnode-2\s+Ready\s+/);
    const described = await ctx.k('describe', 'node', 'node-1');
    assert.match(described.stdout, /\n\s+Ready\s+False\s+.+KubeletNotReady\s+(container runtime is down|\[container runtime is down)/);

    // Bound to node-1 while its runtime is down: the kubelet holds it, it does not fail.
    await ctx.createPod('nh-late', { nodeName: 'node-1' });
    const exec = await ctx.k('exec', 'nh-web', '--', 'true');
    assert.match(exec.stderr, /unable to upgrade connection: runtime shim node-1: rpc error: code = Unavailable desc = /);
    const late = await ctx.client.get<Pod>('/api/v1/namespaces/default/pods/nh-late');
    assert.equal(late.status?.phase ?? 'Pending', 'Pending');
    assert.equal(late.status?.containerStatuses, undefined, 'the kubelet did not sync it');

    await ctx.cp.startComponent('shim-node-1');
    await waitFor(async () => (await ctx.k('get', 'node', 'node-1', '-o', `jsonpath=${readyOf}`)).stdout === 'True KubeletReady: kubelet is posting ready status',
      { timeoutMs: 30_000, what: 'node-1 Ready again' });
    await ctx.phase('nh-late', 'Running');
    // The restarted shim says what died with its predecessor; the kubelet reports it, then restarts it.
    const restarted = await waitFor(async () => {
      const p = await ctx.client.get<Pod>('/api/v1/namespaces/default/pods/nh-web');
      const s = p.status?.containerStatuses?.[0];
      return s?.state.running && s.restartCount >= 1 && p;
    }, { timeoutMs: 40_000, what: 'nh-web restarted' });
    assert.equal(restarted.status!.containerStatuses![0]!.lastState?.terminated?.exitCode, 137);
    const reported = seen.find((p) => p.status?.containerStatuses?.[0]?.ready === false);
    assert.ok(reported, 'a status with the container not running was written before the restart');
    const cs = reported.status!.containerStatuses![0]!;
    assert.equal((cs.state.terminated ?? cs.lastState?.terminated)?.exitCode, 137);
    const ok = await ctx.k('exec', 'nh-web', '--', 'echo', 'back');
    assert.equal(ok.stdout, 'back\n', ok.stderr);
    stop.abort();
    await watching;
  });

  test('a hung runtime (SIGSTOP) is down too: a Status call that never returns does not keep the node Ready', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('nh-hung', { nodeName: 'node-1' });
    await ctx.phase('nh-hung', 'Running');
    const pid = ctx.cp.pid('shim-node-1');
    process.kill(pid, 'SIGSTOP');
    t.after(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
    const readyOf = '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].message}';
    await waitFor(async () => (await ctx.k('get', 'node', 'node-1', '-o', `jsonpath=${readyOf}`)).stdout === 'False container runtime is down',
      { timeoutMs: 30_000, what: 'node-1 NotReady while its shim is stopped' });
    process.kill(pid, 'SIGCONT');
    await waitFor(async () => (await ctx.k('get', 'node', 'node-1', '-o', `jsonpath=${readyOf}`)).stdout === 'True kubelet is posting ready status',
      { timeoutMs: 30_000, what: 'node-1 Ready once the shim runs again' });
    // Nothing died: the same container, no restart, and exec works.
    const pod = await ctx.client.get<Pod>('/api/v1/namespaces/default/pods/nh-hung');
    assert.equal(pod.status!.containerStatuses![0]!.restartCount, 0);
    const ok = await ctx.k('exec', 'nh-hung', '--', 'echo', 'awake');
    assert.equal(ok.stdout, 'awake\n', ok.stderr);
  });
}
