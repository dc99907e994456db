// The chapter-3 host runtime: admitted pods report Running, exec runs in the pod's own folder on this host
// with the node's name in its environment, and names cannot escape the pods folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { HostRuntime } from '../../../src/kubelet/host-runtime.ts';
import { StatusError } from '../../../src/api/status.ts';
import type { Pod } from '../../../src/api/types.ts';

const pod = (name: string, uid = '11111111-2222-3333-4444-555555555555'): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', uid },
  spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx', env: [{ name: 'GREETING', value: 'hi' }] }] },
});

async function setup(t: import('node:test').TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'host-runtime-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { dir, runtime: new HostRuntime({ nodeName: 'node-1', stateDir: dir, hostIP: '127.0.0.1' }) };
}

test('an admitted pod is Running with ready containers and a container id', async (t) => {
  const { runtime } = await setup(t);
  const p = pod('web');
  assert.equal((await runtime.podStatus(p)).phase, 'Pending');
  await runtime.syncPod(p);
  await runtime.syncPod(p); // idempotent
  const s = await runtime.podStatus(p);
  assert.equal(s.phase, 'Running');
  assert.equal(s.hostIP, '127.0.0.1');
  assert.equal(s.containerStatuses?.[0]?.ready, true);
  assert.match(s.containerStatuses?.[0]?.containerID ?? '', /^host:\/\/[0-9a-f]{64}$/);
  assert.deepEqual(s.conditions?.filter((c) => c.status === 'True').map((c) => c.type).sort(),
    ['ContainersReady', 'Initialized', 'PodReadyToStartContainers', 'PodScheduled', 'Ready']);
});

test('exec runs in the pod\'s folder with the container env: NODE_NAME only where the pod asks for it (fieldRef)', async (t) => {
  const { dir, runtime } = await setup(t);
  const p = pod('web');
  p.spec.containers[0]!.env!.push(
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  const bare = pod('bare', '66666666-2222-3333-4444-555555555555');
  await runtime.syncPod(p);
  await runtime.syncPod(bare);
  const plain = await runtime.getExec(bare, 'web', ['sh', '-c', 'echo "[$NODE_NAME]"'], { stdin: false, stdout: true, stderr: true, tty: false });
  if (plain.kind !== 'executor') return assert.fail('an executor');
  let plainOut = '';
  const plainStdout = new PassThrough().on('data', (c) => { plainOut += c; });
  await plain.executor.execInContainer(plain.target, { stdout: plainStdout, stderr: new PassThrough(), tty: false }, new AbortController().signal);
  assert.equal(plainOut, '[]\n', 'a pod that declares nothing gets no NODE_NAME, as on a real node');
  const dest = await runtime.getExec(p, 'web', ['sh', '-c', 'echo $NODE_NAME $POD_NAMESPACE/$POD_NAME $GREETING; pwd'], { stdin: false, stdout: true, stderr: true, tty: false });
  assert.equal(dest.kind, 'executor');
  if (dest.kind !== 'executor') return;
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c) => { out += c; });
  const result = await dest.executor.execInContainer(dest.target, { stdout, stderr: new PassThrough(), tty: false }, new AbortController().signal);
  assert.equal(result.exitCode, 0);
  assert.equal(out, `node-1 default/web hi\n${join(dir, 'node-1', 'pods', 'default_web_11111111-2222-3333-4444-555555555555', 'web')}\n`);
});

test('an unknown container or a pod never admitted is "container not found", in the real kubelet\'s words', async (t) => {
  const { runtime } = await setup(t);
  const p = pod('web');
  await assert.rejects(runtime.getExec(p, 'web', ['date'], { stdin: false, stdout: true, stderr: false, tty: false }),
    (e: unknown) => !(e instanceof StatusError) && e instanceof Error && e.message === 'container not found ("web")');
  await runtime.syncPod(p);
  await assert.rejects(runtime.getExec(p, 'nope', ['date'], { stdin: false, stdout: true, stderr: false, tty: false }), /container not found \("nope"\)/);
});

test('killPod removes the pod folder and the pod goes back to Pending', async (t) => {
  const { runtime } = await setup(t);
  const p = pod('web');
  await runtime.syncPod(p);
  const dir = runtime.podDir(p);
  await stat(dir);
  await runtime.killPod(p);
  await assert.rejects(stat(dir), { code: 'ENOENT' });
  assert.equal((await runtime.podStatus(p)).phase, 'Pending');
});

test('names that could climb out of the pods folder are refused', async (t) => {
  const { runtime } = await setup(t);
  await assert.rejects(runtime.syncPod(pod('..', 'x')), (e: unknown) => e instanceof StatusError && e.code === 400);
  await assert.rejects(runtime.syncPod(pod('web', '../../etc')), (e: unknown) => e instanceof StatusError && e.code === 400);
  assert.throws(() => runtime.containerDir(pod('web'), '../x'), /unsafe container name/);
});

test('what an exec left running ends when its pod is killed, or when a kubelet after a crash starts', async (t) => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { Writable } = await import('node:stream');
  const { waitFor } = await import('../../../src/util/wait.ts');
  const { dir, runtime } = await setup(t);
  const sleeping = (m: string) => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).some((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === `sleep ${m}`; } catch { return false; }
  });
  const execBackground = async (p: Pod, m: string) => {
    const dest = await runtime.getExec(p, 'web', ['sh', '-c', `sleep ${m} >/dev/null 2>&1 &`], { stdin: false, stdout: true, stderr: true, tty: false });
    assert.equal(dest.kind, 'executor');
    if (dest.kind !== 'executor') return;
    const sink = new Writable({ write(_c, _e, cb) { cb(); } });
    await dest.executor.execInContainer(dest.target, { stdout: sink, stderr: sink, tty: false }, new AbortController().signal);
    await waitFor(() => sleeping(m), { what: `sleep ${m} to run` });
  };
  const [a, b] = [`1${process.pid}.1`, `1${process.pid}.2`];
  const p = pod('web');
  await runtime.syncPod(p);
  await execBackground(p, a);
  await runtime.killPod(p);
  await waitFor(() => !sleeping(a), { what: `sleep ${a} to end with its pod` });

  await runtime.syncPod(p);
  await execBackground(p, b);
  new HostRuntime({ nodeName: 'node-1', stateDir: dir, hostIP: '127.0.0.1' }); // a kubelet that starts after a crash
  await waitFor(() => !sleeping(b), { what: `sleep ${b} to be ended by the next kubelet` });
});
