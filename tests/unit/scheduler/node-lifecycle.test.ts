// The node lifecycle controller's health rule: silence longer than the grace period turns every condition Unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleConditions } from '../../../src/scheduler/node-lifecycle.ts';
import type { Node } from '../../../src/api/types.ts';

const t0 = Date.parse('2026-11-29T02:00:00Z');
const node = (heartbeat: string, ready: 'True' | 'Unknown' = 'True'): Node => ({
  metadata: { name: 'node-1', creationTimestamp: '2026-11-29T01:00:00Z' },
  status: { conditions: [
    { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: '2026-11-29T01:00:00Z' },
    { type: 'Ready', status: ready, lastHeartbeatTime: heartbeat, lastTransitionTime: '2026-11-29T01:00:00Z' },
  ] },
});

test('a node heard from within the grace period is left alone', () => {
  assert.equal(staleConditions(node('2026-11-29T01:59:57Z'), t0, 4000), undefined);
});

test('a silent node gets Ready=Unknown, NodeStatusUnknown, "Kubelet stopped posting node status."', () => {
  const c = staleConditions(node('2026-11-29T01:59:55Z'), t0, 4000);
  assert.ok(c);
  const ready = c.find((x) => x.type === 'Ready')!;
  assert.equal(ready.status, 'Unknown');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  assert.equal(ready.lastTransitionTime, '2026-11-29T02:00:00Z');
  assert.equal(ready.lastHeartbeatTime, '2026-11-29T01:59:55Z', 'the last heartbeat is kept: it says when the kubelet was last heard');
  assert.equal(c.find((x) => x.type === 'MemoryPressure')!.status, 'Unknown');
});

test('a node already marked is not written again', () => {
  assert.equal(staleConditions(node('2026-11-29T01:00:00Z', 'Unknown'), t0, 4000), undefined);
});
