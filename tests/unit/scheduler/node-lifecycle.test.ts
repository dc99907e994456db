// The node lifecycle controller's health rule: silence longer than the grace period turns every condition Unknown;
// with a fake client, the node's pods are marked not Ready once, on that transition, and retried only on failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeLifecycleController, staleConditions } from '../../../src/scheduler/node-lifecycle.ts';
import { StatusError } from '../../../src/api/status.ts';
import type { RESTClient } from '../../../src/client/rest-client.ts';
import type { Node, Pod } from '../../../src/api/types.ts';

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

// A tiny API server: nodes and pods in memory, every PUT recorded.
class FakeClient {
  puts: string[] = [];
  failPodPuts = 0;
  constructor(public nodes: Node[], public pods: Pod[]) {}
  async get<T>(path: string, query?: { fieldSelector?: string }): Promise<T> {
    if (path === '/api/v1/nodes') return { metadata: {}, items: structuredClone(this.nodes) } as T;
    const nodeName = query?.fieldSelector?.replace('spec.nodeName=', '');
    return { metadata: {}, items: structuredClone(this.pods.filter((p) => p.spec.nodeName === nodeName)) } as T;
  }
  async put<T>(path: string, body: Node & Pod): Promise<T> {
    if (path.includes('/pods/') && this.failPodPuts-- > 0) throw new StatusError({ metadata: {}, status: 'Failure', code: 500, message: 'etcd is sad' });
    this.puts.push(path);
    const list: (Node | Pod)[] = path.includes('/pods/') ? this.pods : this.nodes;
    const i = list.findIndex((o) => o.metadata.name === body.metadata.name);
    list[i] = body;
    return body as T;
  }
}
const runningPod = (name: string, nodeName: string): Pod => ({
  metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }] },
});
const podReady = (c: FakeClient, name: string) => c.pods.find((p) => p.metadata.name === name)!.status!.conditions!.find((x) => x.type === 'Ready')!.status;

test('a node turning NotReady gets its pods marked not Ready, once; other nodes\' pods are untouched', async () => {
  const silent = node('2026-11-29T01:59:00Z');
  const alive = { ...node('2026-11-29T01:59:59Z'), metadata: { name: 'node-2' } };
  const client = new FakeClient([silent, alive], [runningPod('api', 'node-1'), runningPod('web', 'node-2')]);
  const lines: string[] = [];
  const c = new NodeLifecycleController(client as unknown as RESTClient, { gracePeriodMs: 4000, monitorPeriodMs: 1000, now: () => t0, log: (l) => lines.push(l) });
  await c.monitorNodeHealth();
  assert.deepEqual(client.puts, ['/api/v1/nodes/node-1/status', '/api/v1/namespaces/default/pods/api/status']);
  assert.equal(podReady(client, 'api'), 'False');
  assert.equal(podReady(client, 'web'), 'True');
  assert.ok(lines.includes('Updating ready status of pod default/api to false'), lines.join('\n'));
  // The kubelet comes back and reports its pod Ready before its next heartbeat: the controller leaves it be.
  client.pods[0] = runningPod('api', 'node-1');
  await c.monitorNodeHealth();
  assert.equal(client.puts.length, 2, client.puts.join('\n'));
  assert.equal(podReady(client, 'api'), 'True');
});

test('a failed pod write is retried on the next pass while the node stays NotReady', async () => {
  const client = new FakeClient([node('2026-11-29T01:59:00Z')], [runningPod('api', 'node-1')]);
  client.failPodPuts = 1;
  const lines: string[] = [];
  const c = new NodeLifecycleController(client as unknown as RESTClient, { gracePeriodMs: 4000, monitorPeriodMs: 1000, now: () => t0, log: (l) => lines.push(l) });
  await c.monitorNodeHealth();
  assert.equal(podReady(client, 'api'), 'True');
  assert.ok(lines.some((l) => /unable to mark all pods NotReady on node node-1: etcd is sad; queuing for retry/.test(l)), lines.join('\n'));
  await c.monitorNodeHealth();
  assert.equal(podReady(client, 'api'), 'False');
  assert.deepEqual(client.puts, ['/api/v1/nodes/node-1/status', '/api/v1/namespaces/default/pods/api/status']);
});
