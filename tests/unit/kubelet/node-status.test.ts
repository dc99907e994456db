// The kubelet's Node: what it registers (addresses, kubelet port, version) and how a heartbeat refreshes conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialNode, nodeConditions } from '../../../src/kubelet/node-status.ts';
import { parseDuration } from '../../../src/kubelet/duration.ts';

test('the registered Node says how to reach its kubelet', () => {
  const n = initialNode({ nodeName: 'node-1', hostIP: '127.0.0.1', port: 41234, runtimeVersion: 'host://0.3.0' });
  assert.equal(n.metadata.name, 'node-1');
  assert.deepEqual(n.status?.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-1' }]);
  assert.deepEqual(n.status?.daemonEndpoints, { kubeletEndpoint: { Port: 41234 } });
  assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.0');
  assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, 'host://0.3.0');
  assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], 'node-1');
  assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('a heartbeat moves lastHeartbeatTime and keeps lastTransitionTime unless the status changed', () => {
  const first = nodeConditions([], '2026-11-29T02:00:00Z');
  const second = nodeConditions(first, '2026-11-29T02:00:10Z');
  const ready = second.find((c) => c.type === 'Ready')!;
  assert.equal(ready.lastHeartbeatTime, '2026-11-29T02:00:10Z');
  assert.equal(ready.lastTransitionTime, '2026-11-29T02:00:00Z');
  // After the lifecycle controller set Unknown, the kubelet coming back is a transition.
  const unknown = second.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown' as const } : c));
  const back = nodeConditions(unknown, '2026-11-29T02:01:00Z').find((c) => c.type === 'Ready')!;
  assert.equal(back.status, 'True');
  assert.equal(back.lastTransitionTime, '2026-11-29T02:01:00Z');
});

test('durations as Go writes them', () => {
  assert.equal(parseDuration('4s'), 4000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.throws(() => parseDuration('4'), /invalid duration/);
  assert.throws(() => parseDuration('4s '), /invalid duration/);
});
