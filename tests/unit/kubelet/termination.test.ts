// Stopping a pod: the grace period the kubelet uses, and exec sessions that end when their container stops
// (chapter 3's host runtime, chapter 4's CRI runtime with the kubelet running exec itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Pod } from '../../../src/api/types.ts';
import type { ExecResult } from '../../../src/exec/executor.ts';
import { effectiveGracePeriod } from '../../../src/kubelet/kubelet.ts';
import { HostRuntime } from '../../../src/kubelet/host-runtime.ts';
import type { KubeletRuntime } from '../../../src/kubelet/runtime.ts';
import { startShim } from '../../../src/shim/shim.ts';
import { RemoteImageService, RemoteRuntimeService } from '../../../src/cri/remote-runtime.ts';
import { CriRuntime } from '../../../src/kubelet/cri-runtime.ts';
import { DirectExecStrategy } from '../../../src/kubelet/cri-direct-exec.ts';
import { waitFor } from '../../../src/util/wait.ts';

const LOOP = ['sh', '-c', 'while :; do echo x; sleep 0.1; done'];

const pod = (name: string, container: Pod['spec']['containers'][number], grace = 30): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}-${process.pid}` },
  spec: { containers: [container], nodeName: 'node-1', terminationGracePeriodSeconds: grace },
});

// Starts LOOP in the pod's container and resolves once its output flows; `result` settles when the session ends.
async function startLoop(runtime: KubeletRuntime, p: Pod): Promise<{ result: Promise<ExecResult>; lines: () => number }> {
  const dest = await runtime.getExec(p, p.spec.containers[0]!.name, LOOP, { stdin: false, stdout: true, stderr: true, tty: false });
  assert.equal(dest.kind, 'executor');
  if (dest.kind !== 'executor') throw new Error('unreachable');
  const stdout = new PassThrough();
  let n = 0;
  stdout.on('data', (c: Buffer) => { n += c.toString().split('\n').length - 1; });
  const result = dest.executor.execInContainer(dest.target, { stdout, stderr: new PassThrough(), tty: false }, new AbortController().signal);
  await waitFor(() => n >= 2, { timeoutMs: 10_000, what: 'exec output' });
  return { result, lines: () => n };
}

// The session must be over within `ms` of `since`; without the fix it would run for ever.
async function endsWithin(result: Promise<ExecResult>, ms: number): Promise<ExecResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`exec session still running ${ms} ms after its container stopped`)), ms); });
  try { return await Promise.race([result, late]); } finally { clearTimeout(timer); }
}

test('effectiveGracePeriod: the server\'s deletionGracePeriodSeconds, else the pod\'s own, never below 1', () => {
  const p = (meta: Partial<Pod['metadata']>, spec?: number): Pod => ({ metadata: meta, spec: { containers: [], terminationGracePeriodSeconds: spec } });
  assert.equal(effectiveGracePeriod(p({ deletionGracePeriodSeconds: 5 }, 30)), 5);
  assert.equal(effectiveGracePeriod(p({ deletionGracePeriodSeconds: 0 }, 30)), 30, 'a forced delete (0) leaves the pod its own period');
  assert.equal(effectiveGracePeriod(p({}, 12)), 12);
  assert.equal(effectiveGracePeriod(p({ deletionGracePeriodSeconds: 0 }, 0)), 1);
});

test('host runtime (chapter 3): killPod ends the exec sessions in the pod, with the exit code of SIGKILL', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'termination-host-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const runtime = new HostRuntime({ nodeName: 'node-1', stateDir: dir, hostIP: '127.0.0.1' });
  const p = pod('web', { name: 'web', image: 'nginx' });
  await runtime.syncPod(p);
  const session = await startLoop(runtime, p);
  await runtime.killPod(p, 30);
  const r = await endsWithin(session.result, 2000);
  assert.deepEqual([r.exitCode, r.signal], [137, 'SIGKILL']);
});

test('CRI runtime (chapter 4): a container that ignores SIGTERM is killed when the grace period ends, and the exec the kubelet runs in it ends then', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'termination-cri-'));
  const shim = await startShim({ name: 'shim-node-1', stateDir: dir, log: () => {} });
  const remote = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'runtime shim node-1', timeoutMs: 10_000 });
  const images = new RemoteImageService(`unix://${shim.socket}`, { hop: 'runtime shim node-1', timeoutMs: 10_000 });
  const runtime = new CriRuntime({ nodeName: 'node-1', hostIP: '127.0.0.1', runtime: remote, images, exec: new DirectExecStrategy('kubelet node-1') });
  t.after(async () => { await runtime.close(); remote.close(); images.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); });
  const p = pod('stubborn', { name: 'app', image: 'busybox', command: ['sh', '-c', "trap '' TERM; while :; do sleep 1; done"] });
  await runtime.syncPod(p);
  await waitFor(async () => (await runtime.podStatus(p)).phase === 'Running', { timeoutMs: 10_000, what: 'pod Running' });
  const session = await startLoop(runtime, p);
  let stoppedAt = 0;
  const killed = runtime.killPod(p, 2).then(() => { stoppedAt = Date.now(); });
  // SIGTERM is ignored: for the grace period the container, and the exec in it, go on.
  const before = session.lines();
  await waitFor(() => session.lines() >= before + 5, { timeoutMs: 10_000, what: 'output during the grace period' });
  assert.equal(stoppedAt, 0, 'the container was stopped before its grace period ended');
  await killed;
  const r = await endsWithin(session.result, 2000);
  assert.equal(r.exitCode, 137);
  assert.deepEqual(await remote.listContainers(), []);
});
