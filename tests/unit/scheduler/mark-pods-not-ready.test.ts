// MarkPodsNotReady with a fake client: only Ready turns False (ContainersReady, reason and message stay),
// only the node's pods are written, through pods/status, and a pod deleted meanwhile is no error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markPodsNotReady, notReadyConditions } from '../../../src/scheduler/mark-pods-not-ready.ts';
import { StatusError } from '../../../src/api/status.ts';
import type { RESTClient } from '../../../src/client/rest-client.ts';
import type { Pod } from '../../../src/api/types.ts';

const t1 = '2026-11-29T01:00:00Z';
const at = '2026-11-29T02:00:00Z';
const pod = (name: string, nodeName: string, ready: 'True' | 'False' = 'True'): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7' },
  spec: { nodeName, containers: [{ name: 'c' }] },
  status: { phase: 'Running', conditions: [
    { type: 'Ready', status: ready, lastProbeTime: null, lastTransitionTime: t1 },
    { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: t1 },
  ] },
});

class FakeClient {
  gets: [string, unknown][] = [];
  puts: [string, Pod][] = [];
  missing = new Set<string>();
  constructor(private readonly pods: Pod[]) {}
  async get<T>(path: string, query?: unknown): Promise<T> {
    this.gets.push([path, query]);
    return { kind: 'PodList', metadata: {}, items: structuredClone(this.pods) } as T;
  }
  async put<T>(path: string, body: Pod): Promise<T> {
    if (this.missing.has(body.metadata.name!)) throw new StatusError({ metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'not found' });
    this.puts.push([path, body]);
    return body as T;
  }
}
const asClient = (c: FakeClient) => c as unknown as RESTClient;

test('notReadyConditions: Ready becomes False with a new transition time; everything else is kept', () => {
  const c = notReadyConditions(pod('a', 'node-2'), at)!;
  assert.deepEqual(c, [
    { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: at },
    { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: t1 },
  ]);
});

test('notReadyConditions: nothing to do when Ready is already False or missing', () => {
  assert.equal(notReadyConditions(pod('a', 'node-2', 'False'), at), undefined);
  assert.equal(notReadyConditions({ ...pod('a', 'node-2'), status: { phase: 'Pending' } }, at), undefined);
});

test('markPodsNotReady lists the node\'s pods by field selector and PUTs pods/status for each Ready one', async () => {
  const client = new FakeClient([pod('a', 'node-2'), pod('b', 'node-2', 'False'), pod('stray', 'node-1')]);
  const errors = await markPodsNotReady(asClient(client), 'node-2', at);
  assert.deepEqual(errors, []);
  assert.deepEqual(client.gets, [['/api/v1/pods', { fieldSelector: 'spec.nodeName=node-2' }]]);
  assert.deepEqual(client.puts.map(([p]) => p), ['/api/v1/namespaces/default/pods/a/status']);
  const body = client.puts[0]![1];
  assert.equal(body.kind, 'Pod');
  assert.equal(body.metadata.resourceVersion, '7', 'the write is conditional on what was read');
  assert.equal(body.status?.phase, 'Running');
  assert.equal(body.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  assert.equal(body.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');
});

test('a pod deleted meanwhile is skipped; other failures are returned for a retry', async () => {
  const client = new FakeClient([pod('gone', 'node-2'), pod('a', 'node-2')]);
  client.missing.add('gone');
  assert.deepEqual(await markPodsNotReady(asClient(client), 'node-2', at), []);
  assert.equal(client.puts.length, 1);
  const failing = new FakeClient([pod('a', 'node-2')]);
  failing.put = async () => { throw new StatusError({ metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message: 'the object has been modified' }); };
  const errors = await markPodsNotReady(asClient(failing), 'node-2', at);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /modified/);
});
