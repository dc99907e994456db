// The node's Ready condition from the runtime's health: runtimeState's errors, aggregated as the real kubelet's
// ReadyCondition does (reason KubeletNotReady, message "container runtime is down", "[a, b]" for several).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, RuntimeState, updateRuntimeUp } from '../../../src/kubelet/runtime-state.ts';
import { nodeConditions } from '../../../src/kubelet/node-status.ts';
import { formatDuration } from '../../../src/kubelet/duration.ts';
import type { KubeletRuntime, RuntimeStatus } from '../../../src/kubelet/runtime.ts';

const ready = (notReady: string[], previous = nodeConditions([], '2026-12-02T03:00:00Z')) =>
  nodeConditions(previous, '2026-12-02T03:00:10Z', notReady).find((c) => c.type === 'Ready')!;

function fakeRuntime(answer: () => RuntimeStatus): KubeletRuntime {
  return {
    syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {},
    getExec: async () => { throw new Error('unused'); },
    status: async () => answer(),
  };
}
const up = (): RuntimeStatus => ({ conditions: [
  { type: 'RuntimeReady', status: true, reason: '', message: '' },
  { type: 'NetworkReady', status: true, reason: '', message: '' },
] });

test('Ready is True with KubeletReady when nothing is wrong', () => {
  const c = ready([]);
  assert.deepEqual([c.status, c.reason, c.message], ['True', 'KubeletReady', 'kubelet is posting ready status']);
});

test('one error is the message as it is; several are bracketed and comma-separated, each once', () => {
  assert.equal(aggregate([]), undefined);
  assert.equal(aggregate(['container runtime is down']), 'container runtime is down');
  assert.equal(aggregate(['a', 'b', 'a']), '[a, b]');
  const c = ready(['container runtime is down', 'PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s']);
  assert.deepEqual([c.status, c.reason, c.message], ['False', 'KubeletNotReady',
    '[container runtime is down, PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s]']);
  // Ready → NotReady is a transition; staying NotReady is not.
  assert.equal(c.lastTransitionTime, '2026-12-02T03:00:10Z');
  const still = nodeConditions(nodeConditions([], '2026-12-02T03:00:10Z', ['x']), '2026-12-02T03:00:20Z', ['x']).find((x) => x.type === 'Ready')!;
  assert.deepEqual([still.lastTransitionTime, still.lastHeartbeatTime], ['2026-12-02T03:00:10Z', '2026-12-02T03:00:20Z']);
});

test('before the first Status answer: the check may not have completed, and the network state is unknown', () => {
  const s = new RuntimeState(30_000, () => 1000);
  assert.equal(aggregate([...s.runtimeErrors(), ...s.networkErrors()]),
    '[container runtime status check may not have completed yet, network state unknown]');
});

test('a runtime that stops answering is down once the threshold has passed since its last answer', async () => {
  let now = 100_000;
  let answering = true;
  const s = new RuntimeState(30_000, () => now);
  const rt = fakeRuntime(() => { if (!answering) throw new Error('rpc error: code = Unavailable'); return up(); });
  await updateRuntimeUp(rt, s, () => now);
  assert.deepEqual([...s.runtimeErrors(), ...s.networkErrors()], []);
  answering = false;
  now += 29_000;
  await assert.rejects(updateRuntimeUp(rt, s, () => now), /Unavailable/);
  assert.deepEqual(s.runtimeErrors(), [], 'within the threshold: not down yet');
  now += 1000;
  assert.deepEqual(s.runtimeErrors(), ['container runtime is down']);
  // Health checks come after, each named; the runtime is back once it answers again.
  s.addHealthCheck({ name: 'PLEG', check: () => 'pleg was last seen active 3m0.5s ago; threshold is 3m0s' });
  assert.equal(aggregate(s.runtimeErrors()), '[container runtime is down, PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s]');
  answering = true;
  await updateRuntimeUp(rt, s, () => now);
  assert.deepEqual(s.runtimeErrors(), ['PLEG is not healthy: pleg was last seen active 3m0.5s ago; threshold is 3m0s']);
});

test('RuntimeReady or NetworkReady false: the conditions as kubecontainer.RuntimeCondition prints them', async () => {
  const s = new RuntimeState(30_000);
  await updateRuntimeUp(fakeRuntime(() => ({ conditions: [
    { type: 'RuntimeReady', status: false, reason: 'DockerDaemonNotReady', message: 'docker: failed to get docker version' },
    { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' },
  ] })), s);
  assert.deepEqual(s.runtimeErrors(), [
    'container runtime status check may not have completed yet',
    'container runtime not ready: RuntimeReady=false reason:DockerDaemonNotReady message:docker: failed to get docker version',
  ]);
  assert.deepEqual(s.networkErrors(), ['container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized']);
  await updateRuntimeUp(fakeRuntime(() => ({ conditions: [] })), s);
  assert.deepEqual(s.networkErrors(), ['container runtime network not ready: <nil>']);
});

test('a runtime without Status (chapter 3\'s host runtime) is always up', async () => {
  const s = new RuntimeState(30_000);
  const { status: _, ...host } = fakeRuntime(up);
  await updateRuntimeUp(host, s);
  assert.deepEqual([...s.runtimeErrors(), ...s.networkErrors()], []);
});

test('durations in messages as Go prints them', () => {
  assert.equal(formatDuration(180_000), '3m0s');
  assert.equal(formatDuration(180_500), '3m0.5s');
  assert.equal(formatDuration(18_000), '18s');
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(3_725_000), '1h2m5s');
  assert.equal(formatDuration(0), '0s');
});
