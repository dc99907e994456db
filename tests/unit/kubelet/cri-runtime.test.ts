// kubeGenericRuntimeManager over a real shim: pods become sandboxes and containers, status comes back from CRI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Pod } from '../../../src/api/types.ts';
import { StatusError } from '../../../src/api/status.ts';
import { startShim, type Shim } from '../../../src/shim/shim.ts';
import { RemoteImageService, RemoteRuntimeService } from '../../../src/cri/remote-runtime.ts';
import { instrumentedImageManagerService, instrumentedRuntimeService } from '../../../src/cri/instrumented.ts';
import { RuntimeMetrics } from '../../../src/cri/metrics.ts';
import { CriRuntime, restartBackoff } from '../../../src/kubelet/cri-runtime.ts';
import { DirectExecStrategy } from '../../../src/kubelet/cri-direct-exec.ts';
import { waitFor } from '../../../src/util/wait.ts';

let uidCounter = 0;
const pod = (name: string, containers: Pod['spec']['containers'], restartPolicy: Pod['spec']['restartPolicy'] = 'Always'): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}-${++uidCounter}` },
  spec: { containers, restartPolicy, nodeName: 'node-1', terminationGracePeriodSeconds: 1 },
});

async function setup(t: { after(fn: () => unknown): void }, now?: () => number) {
  const dir = mkdtempSync(join(tmpdir(), 'cri-runtime-'));
  const shim: Shim = await startShim({ name: 'shim-node-1', stateDir: dir, log: () => {} });
  const endpoint = `unix://${shim.socket}`;
  const remote = new RemoteRuntimeService(endpoint, { hop: 'runtime shim node-1', timeoutMs: 10_000 });
  const images = new RemoteImageService(endpoint, { hop: 'runtime shim node-1', timeoutMs: 10_000 });
  const metrics = new RuntimeMetrics();
  const runtime = new CriRuntime({
    nodeName: 'node-1', hostIP: '127.0.0.1', metrics, now,
    runtime: instrumentedRuntimeService(remote, metrics), images: instrumentedImageManagerService(images, metrics),
    exec: new DirectExecStrategy('kubelet node-1'),
  });
  t.after(async () => { await runtime.close(); remote.close(); images.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); });
  return { runtime, shim, metrics, remote };
}

test('a pod runs through CRI: sandbox, pull, create, start; status Running 1/1; exec runs in the container', async (t) => {
  const { runtime, metrics, remote } = await setup(t);
  const p = pod('web', [{ name: 'web', image: 'nginx', env: [{ name: 'COLOR', value: 'blue' }] }]);
  assert.equal((await runtime.podStatus(p)).phase, 'Pending');
  await runtime.syncPod(p);
  await runtime.syncPod(p); // idempotent: still one container
  assert.equal((await remote.listContainers()).length, 1);
  const st = await runtime.podStatus(p);
  assert.equal(st.phase, 'Running');
  assert.equal(st.podIP, '127.0.0.1');
  const cs = st.containerStatuses![0]!;
  assert.equal(cs.ready, true);
  assert.equal(cs.restartCount, 0);
  assert.match(cs.containerID!, /^workbook-shim:\/\/[0-9a-f]{64}$/);
  assert.ok(cs.state.running?.startedAt);
  assert.equal(st.conditions!.find((c) => c.type === 'Ready')?.status, 'True');

  const dest = await runtime.getExec(p, 'web', ['sh', '-c', 'echo $COLOR; echo err >&2; exit 4'], { stdin: false, stdout: true, stderr: true, tty: false });
  assert.equal(dest.kind, 'executor');
  if (dest.kind !== 'executor') return;
  const stdout = new PassThrough(), stderr = new PassThrough();
  const out: Buffer[] = [], err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const result = await dest.executor.execInContainer(dest.target, { stdout, stderr, tty: false }, new AbortController().signal);
  assert.equal(result.exitCode, 4);
  assert.equal(Buffer.concat(out).toString(), 'blue\n');
  assert.equal(Buffer.concat(err).toString(), 'err\n');

  await assert.rejects(runtime.getExec(p, 'nope', ['date'], { stdin: false, stdout: true, stderr: false, tty: false }),
    (e: unknown) => !(e instanceof StatusError) && e instanceof Error && e.message === 'container not found ("nope")');
  assert.ok(metrics.operations.get('list_containers') >= 2);
  assert.equal(metrics.operations.get('run_podsandbox'), 1);
  assert.equal(metrics.operations.get('pull_image'), 1);

  await runtime.killPod(p);
  assert.deepEqual(await remote.listContainers(), []);
  assert.deepEqual(await remote.listPodSandbox(), []);
});

test('exited containers: Completed / Error with the exit code, phase per restart policy', async (t) => {
  const { runtime } = await setup(t);
  const ok = pod('ok', [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'exit 0'] }], 'Never');
  const bad = pod('bad', [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'exit 3'] }], 'Never');
  await runtime.syncPod(ok);
  await runtime.syncPod(bad);
  const okStatus = await waitFor(async () => { const s = await runtime.podStatus(ok); return s.phase === 'Succeeded' && s; });
  assert.deepEqual(okStatus.containerStatuses![0]!.state.terminated && { ...okStatus.containerStatuses![0]!.state.terminated, startedAt: '', finishedAt: '', containerID: '' },
    { exitCode: 0, reason: 'Completed', startedAt: '', finishedAt: '', containerID: '' });
  const badStatus = await waitFor(async () => { const s = await runtime.podStatus(bad); return s.phase === 'Failed' && s; });
  assert.equal(badStatus.containerStatuses![0]!.state.terminated?.exitCode, 3);
  assert.equal(badStatus.containerStatuses![0]!.state.terminated?.reason, 'Error');
  assert.equal(badStatus.conditions!.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  await runtime.syncPod(bad); // Never: no restart
  assert.equal((await runtime.podStatus(bad)).containerStatuses![0]!.restartCount, 0);
});

test('restartPolicy Always restarts at once the first time, then after a back-off; the PLEG notices exits', async (t) => {
  let now = Date.now();
  const { runtime } = await setup(t, () => now);
  const p = pod('crash', [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }], 'Always');
  const changed: string[] = [];
  runtime.watchPodLifecycle((uid) => changed.push(uid), 20);
  await runtime.syncPod(p);
  await waitFor(async () => (await runtime.podStatus(p)).containerStatuses![0]!.state.terminated);
  await waitFor(() => changed.includes(p.metadata.uid!), { what: 'a PLEG event for the pod' });
  await runtime.syncPod(p); // the first exit: no back-off yet, restarted at once (doBackOff finds no entry)
  let st = await waitFor(async () => { const s = await runtime.podStatus(p); return s.containerStatuses![0]!.restartCount === 1 && s.containerStatuses![0]!.state.terminated && s; },
    { what: 'the first restart to run and exit' });
  await runtime.syncPod(p); // the second exit: within the 10 s back-off, waiting
  st = await runtime.podStatus(p);
  assert.equal(st.phase, 'Running', 'Always: the pod keeps running while its container restarts');
  assert.equal(st.containerStatuses![0]!.state.waiting?.reason, 'CrashLoopBackOff');
  assert.match(st.containerStatuses![0]!.state.waiting?.message ?? '', /^back-off 10s restarting failed container=c pod=crash_default/);
  assert.equal(st.containerStatuses![0]!.lastState?.terminated?.exitCode, 1);
  now += 11_000; // past the 10 s back-off, counted from when the container finished
  await runtime.syncPod(p);
  st = await waitFor(async () => { const s = await runtime.podStatus(p); return s.containerStatuses![0]!.restartCount === 2 && s; });
  assert.equal(st.containerStatuses![0]!.lastState?.terminated?.exitCode, 1);
});

test('the restart back-off: none the first time, then 10 s doubling to 5 minutes, reset after a long run', () => {
  assert.deepEqual([0, 1, 2, 3, 5, 6, 9].map((a) => restartBackoff(a, 1000)), [0, 10_000, 20_000, 40_000, 160_000, 300_000, 300_000]);
  assert.equal(restartBackoff(4, 601_000), 0);
});

test('an unknown image is ErrImagePull, and the pod stays Pending', async (t) => {
  const { runtime } = await setup(t);
  const p = pod('nope', [{ name: 'c', image: 'no-such-image' }]);
  await runtime.syncPod(p);
  const st = await runtime.podStatus(p);
  assert.equal(st.phase, 'Pending');
  assert.equal(st.containerStatuses![0]!.state.waiting?.reason, 'ErrImagePull');
  assert.match(st.containerStatuses![0]!.state.waiting?.message ?? '', /^runtime shim node-1: failed to pull image "no-such-image": pull access denied/, 'the Unknown code dropped, as remote_image.go does');
});

test('CRI Status: the shim is RuntimeReady and NetworkReady; a dead shim fails the call, and the PLEG turns unhealthy', async (t) => {
  let now = Date.now();
  const { runtime, shim } = await setup(t, () => now);
  const st = await runtime.status();
  assert.deepEqual(st.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
  const [pleg] = runtime.healthChecks();
  assert.equal(pleg!.name, 'PLEG');
  assert.equal(pleg!.check(), 'pleg has yet to be successful');
  await runtime.watchPodLifecycle(() => {}, 20);   // resolves after the first relist
  assert.equal(pleg!.check(), undefined);
  await shim.close();
  await assert.rejects(runtime.status(), /runtime shim node-1: rpc error: code = Unavailable desc = /);
  now += 180_500;   // the relists fail from now on, so the last success grows old
  assert.equal(pleg!.check(), 'pleg was last seen active 3m0.5s ago; threshold is 3m0s');
});
