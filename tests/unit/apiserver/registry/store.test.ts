import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../../../src/apiserver/storage/memory.ts';
import { Store } from '../../../../src/apiserver/registry/store.ts';
import type { StoreEvent } from '../../../../src/apiserver/registry/store.ts';
import { podStrategy } from '../../../../src/apiserver/registry/pods.ts';
import { namespaceStrategy, nodeStrategy } from '../../../../src/apiserver/registry/nodes.ts';
import { StatusError } from '../../../../src/api/status.ts';
import type { Pod } from '../../../../src/api/types.ts';

const pod = (name?: string, extra: Partial<Pod['metadata']> = {}): Pod =>
  ({ metadata: { ...(name ? { name } : {}), ...extra }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const status = (code: number, reason: string, message?: string) => (e: StatusError) =>
  e.code === code && e.status.reason === reason && (message === undefined || e.message === message);

async function take<T>(it: AsyncIterator<StoreEvent<T>>, n: number): Promise<StoreEvent<T>[]> {
  const out: StoreEvent<T>[] = [];
  while (out.length < n) { const r = await it.next(); if (r.done) break; out.push(r.value); }
  return out;
}

test('create fills uid, creationTimestamp, resourceVersion, kind, namespace and the defaults', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const p = await pods.create('default', pod('nginx', { uid: 'mine', resourceVersion: '77' }));
  assert.equal(p.kind, 'Pod');
  assert.equal(p.apiVersion, 'v1');
  assert.equal(p.metadata.namespace, 'default');
  assert.match(p.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.notEqual(p.metadata.uid, 'mine');
  assert.match(p.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(p.metadata.resourceVersion, '1');
  assert.equal(p.spec.restartPolicy, 'Always');
  assert.equal(p.spec.schedulerName, 'default-scheduler');
  assert.equal(p.spec.terminationGracePeriodSeconds, 30);
  assert.equal(p.spec.containers[0].imagePullPolicy, 'Always');
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

test('generateName gets five random characters; neither name nor generateName is 422 with the real message', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const p = await pods.create('default', pod(undefined, { generateName: 'web-' }));
  assert.match(p.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  await assert.rejects(pods.create('default', pod()),
    status(422, 'Invalid', 'Pod "" is invalid: metadata.name: Required value: name or generateName is required'));
});

test('a second create of the same name is 409 AlreadyExists', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await pods.create('default', pod('a'));
  await assert.rejects(pods.create('default', pod('a')), status(409, 'AlreadyExists', 'pods "a" already exists'));
  // Same name, other namespace: a different object.
  await pods.create('other', pod('a'));
});

test('a body namespace that contradicts the URL is 400', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await assert.rejects(pods.create('default', pod('a', { namespace: 'kube-system' })),
    status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
});

test('get of a missing object is 404 with details', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await assert.rejects(pods.get('default', 'missing'), (e: StatusError) =>
    e.code === 404 && e.message === 'pods "missing" not found' && e.status.details?.name === 'missing' && e.status.details?.kind === 'pods');
});

test('update with a stale resourceVersion is 409 Conflict; without one it applies', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const p = await pods.create('default', pod('a'));
  const v2 = await pods.update('default', 'a', { ...p, metadata: { ...p.metadata, labels: { x: '1' } } });
  assert.equal(v2.metadata.labels?.x, '1');
  await assert.rejects(pods.update('default', 'a', { ...p, metadata: { ...p.metadata, labels: { x: '2' } } }),
    status(409, 'Conflict', 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again'));
  const { resourceVersion: _, ...meta } = v2.metadata;
  const v3 = await pods.update('default', 'a', { ...v2, metadata: { ...meta, labels: { x: '3' } } });
  assert.equal(v3.metadata.labels?.x, '3');
  assert.equal(v3.metadata.uid, p.metadata.uid);
});

test('a pod PUT may not change status or the spec beyond images', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const p = await pods.create('default', pod('a'));
  const img = await pods.update('default', 'a', { ...p, spec: { ...p.spec, containers: [{ ...p.spec.containers[0], image: 'nginx:2' }] }, status: { phase: 'Running' } });
  assert.equal(img.spec.containers[0].image, 'nginx:2');
  assert.equal(img.status?.phase, 'Pending');
  await assert.rejects(pods.update('default', 'a', { ...img, metadata: { ...img.metadata }, spec: { ...img.spec, nodeName: 'n1' } }),
    (e: StatusError) => e.code === 422 && /spec: Forbidden: pod updates may not change fields other than/.test(e.message));
});

test('delete returns the object as it was; a wrong uid precondition is 409', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const p = await pods.create('default', pod('a'));
  await assert.rejects(pods.delete('default', 'a', { preconditions: { uid: 'nope' } }), status(409, 'Conflict'));
  const gone = await pods.delete('default', 'a', { preconditions: { uid: p.metadata.uid } });
  assert.equal(gone.metadata.name, 'a');
  await assert.rejects(pods.get('default', 'a'), status(404, 'NotFound'));
});

test('namespaces are DNS labels, nodes are cluster-scoped', async () => {
  const storage = new MemoryStorage();
  const namespaces = new Store(storage, namespaceStrategy);
  await assert.rejects(namespaces.create(undefined, { metadata: { name: 'a.b' } }), (e: StatusError) =>
    e.code === 422 && e.message.startsWith('Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label'));
  const ns = await namespaces.create(undefined, { metadata: { name: 'team' } });
  assert.equal(ns.status?.phase, 'Active');
  const nodes = new Store(storage, nodeStrategy);
  const n = await nodes.create(undefined, { metadata: { name: 'node-1', namespace: 'ignored' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  assert.equal(n.metadata.namespace, undefined);
  assert.equal(n.status?.conditions?.[0].status, 'True', 'a kubelet registers with its status');
});

test('watch without resourceVersion: synthetic ADDED for what exists, then the changes', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await pods.create('default', pod('a'));
  const w = await pods.watch('default', undefined);
  const it = w[Symbol.asyncIterator]();
  await pods.create('default', pod('b'));
  await pods.create('other', pod('c'));
  await pods.delete('default', 'a');
  const evs = await take(it, 3);
  assert.deepEqual(evs.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'a'], ['ADDED', 'b'], ['DELETED', 'a']]);
  assert.equal(evs[2].object.metadata.resourceVersion, '4', 'a DELETED object carries the revision of its deletion');
  w.stop();
});

test('watch from a resourceVersion replays exactly the later events', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const a = await pods.create('default', pod('a'));
  await pods.create('default', pod('b'));
  const w = await pods.watch(undefined, a.metadata.resourceVersion);
  const evs = await take(w[Symbol.asyncIterator](), 1);
  assert.deepEqual(evs.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'b']]);
  w.stop();
});

test('watch from a compacted resourceVersion is 410 Expired', async () => {
  const pods = new Store(new MemoryStorage({ historySize: 1 }), podStrategy);
  for (const n of ['a', 'b', 'c']) await pods.create('default', pod(n));
  await assert.rejects(pods.watch('default', '1'), status(410, 'Expired', 'too old resource version: 1 (3)'));
  await assert.rejects(pods.watch('default', 'abc'), status(400, 'BadRequest'));
});

test('guaranteedUpdate retries on a concurrent write instead of failing', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await pods.create('default', pod('a'));
  let calls = 0;
  const out = await pods.guaranteedUpdate('default', 'a', async (cur) => {
    calls++;
    // Someone else writes while we compute, the first time only.
    if (calls === 1) await pods.guaranteedUpdate('default', 'a', (c) => ({ ...c, metadata: { ...c.metadata, labels: { other: 'y' } } }));
    return { ...cur, metadata: { ...cur.metadata, annotations: { mine: 'x' } } };
  });
  assert.equal(calls, 2);
  assert.deepEqual([out.metadata.labels?.other, out.metadata.annotations?.mine], ['y', 'x']);
});
