import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../../../src/apiserver/storage/memory.ts';
import { Store } from '../../../../src/apiserver/registry/store.ts';
import type { StoreEvent } from '../../../../src/apiserver/registry/store.ts';
import { beforeDelete } from '../../../../src/apiserver/registry/delete.ts';
import { podStrategy } from '../../../../src/apiserver/registry/pods.ts';
import { nodeStrategy } from '../../../../src/apiserver/registry/nodes.ts';
import { podStatusReason } from '../../../../src/apiserver/printers/pods.ts';
import { StatusError } from '../../../../src/api/status.ts';
import type { Pod } from '../../../../src/api/types.ts';

const pod = (name: string, spec: Partial<Pod['spec']> = {}): Pod =>
  ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } });
const scheduled = (name: string, spec: Partial<Pod['spec']> = {}) => pod(name, { nodeName: 'node-1', ...spec });
const secondsFromNow = (ts: string | undefined) => Math.round((Date.parse(ts ?? '') - Date.now()) / 1000);

async function take<T>(it: AsyncIterator<StoreEvent<T>>, n: number): Promise<StoreEvent<T>[]> {
  const out: StoreEvent<T>[] = [];
  while (out.length < n) { const r = await it.next(); if (r.done) break; out.push(r.value); }
  return out;
}

test('a scheduled pod is deleted gracefully: marked with deletionTimestamp = now + 30 s and kept, shown Terminating', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await pods.create('default', scheduled('web'));
  const marked = await pods.delete('default', 'web', {});
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(Math.abs(secondsFromNow(marked.metadata.deletionTimestamp) - 30) <= 1, marked.metadata.deletionTimestamp);
  const stored = await pods.get('default', 'web');
  assert.equal(stored.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
  assert.equal(podStatusReason(stored).reason, 'Terminating');
});

test("the default grace period is the pod's terminationGracePeriodSeconds; a requested one wins", async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await pods.create('default', scheduled('a', { terminationGracePeriodSeconds: 5 }));
  assert.equal((await pods.delete('default', 'a', {})).metadata.deletionGracePeriodSeconds, 5);
  await pods.create('default', scheduled('b', { terminationGracePeriodSeconds: 5 }));
  assert.equal((await pods.delete('default', 'b', { gracePeriodSeconds: 12 })).metadata.deletionGracePeriodSeconds, 12);
  await pods.create('default', scheduled('c'));
  assert.equal((await pods.delete('default', 'c', { gracePeriodSeconds: -5 })).metadata.deletionGracePeriodSeconds, 1, 'negative means 1');
});

test('an unscheduled pod goes at once: marked (MODIFIED) with grace 0, then DELETED, and the answer is the pod', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const created = await pods.create('default', pod('web'));
  const w = await pods.watch('default', created.metadata.resourceVersion);
  const gone = await pods.delete('default', 'web', {});
  assert.equal(gone.metadata.deletionGracePeriodSeconds, 0);
  assert.ok(gone.metadata.deletionTimestamp);
  await assert.rejects(pods.get('default', 'web'), (e: StatusError) => e.code === 404);
  const evs = await take(w[Symbol.asyncIterator](), 2);
  assert.deepEqual(evs.map((e) => [e.type, e.object.metadata.deletionGracePeriodSeconds]), [['MODIFIED', 0], ['DELETED', 0]]);
  w.stop();
});

test('a pod whose containers have finished (Succeeded or Failed) goes at once', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  for (const phase of ['Succeeded', 'Failed'] as const) {
    await pods.create('default', scheduled('done'));
    await pods.guaranteedUpdate('default', 'done', (p) => ({ ...p, status: { ...p.status, phase } }));
    await pods.delete('default', 'done', {});
    await assert.rejects(pods.get('default', 'done'), (e: StatusError) => e.code === 404, phase);
  }
});

test('a second delete may shorten the grace period (and moves deletionTimestamp), never lengthen it', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await pods.create('default', scheduled('web'));
  const first = await pods.delete('default', 'web', { gracePeriodSeconds: 20 });
  const longer = await pods.delete('default', 'web', { gracePeriodSeconds: 60 });
  assert.equal(longer.metadata.resourceVersion, first.metadata.resourceVersion, 'a longer period changes nothing');
  const same = await pods.delete('default', 'web', {});
  assert.equal(same.metadata.resourceVersion, first.metadata.resourceVersion, 'no period asked: the pending one stands');
  const shorter = await pods.delete('default', 'web', { gracePeriodSeconds: 5 });
  assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
  assert.equal(Date.parse(first.metadata.deletionTimestamp!) - Date.parse(shorter.metadata.deletionTimestamp!), 15_000);
});

test('--force (grace 0) removes a scheduled pod at once, even one already terminating', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  await pods.create('default', scheduled('a'));
  await pods.delete('default', 'a', { gracePeriodSeconds: 0 });
  await assert.rejects(pods.get('default', 'a'), (e: StatusError) => e.code === 404);
  await pods.create('default', scheduled('b'));
  await pods.delete('default', 'b', {});
  await pods.delete('default', 'b', { gracePeriodSeconds: 0 });
  await assert.rejects(pods.get('default', 'b'), (e: StatusError) => e.code === 404);
});

test("the kubelet's confirmation: grace 0 with the pod's uid as precondition; another uid is 409 and keeps the pod", async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const p = await pods.create('default', scheduled('web'));
  await pods.delete('default', 'web', {});
  await assert.rejects(pods.delete('default', 'web', { gracePeriodSeconds: 0, preconditions: { uid: 'someone-else' } }),
    (e: StatusError) => e.code === 409 && e.status.reason === 'Conflict');
  assert.ok((await pods.get('default', 'web')).metadata.deletionTimestamp);
  const gone = await pods.delete('default', 'web', { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
  assert.equal(gone.metadata.uid, p.metadata.uid);
  await assert.rejects(pods.get('default', 'web'), (e: StatusError) => e.code === 404);
});

test('an update can neither add nor remove the deletion marks', async () => {
  const pods = new Store(new MemoryStorage(), podStrategy);
  const a = await pods.create('default', scheduled('a'));
  const tried = await pods.update('default', 'a', { ...a, metadata: { ...a.metadata, deletionTimestamp: '2020-01-01T00:00:00Z', deletionGracePeriodSeconds: 3 } });
  assert.equal(tried.metadata.deletionTimestamp, undefined);
  assert.equal(tried.metadata.deletionGracePeriodSeconds, undefined);
  const marked = await pods.delete('default', 'a', {});
  const { deletionTimestamp: _t, deletionGracePeriodSeconds: _g, ...rest } = marked.metadata;
  const kept = await pods.update('default', 'a', { ...marked, metadata: rest });
  assert.equal(kept.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
  assert.equal(kept.metadata.deletionGracePeriodSeconds, 30);
});

test('without DeleteOptions (an internal caller), or for a resource without graceful deletion, the object goes at once', async () => {
  const storage = new MemoryStorage();
  const pods = new Store(storage, podStrategy);
  await pods.create('default', scheduled('a'));
  const gone = await pods.delete('default', 'a');
  assert.equal(gone.metadata.deletionTimestamp, undefined);
  const nodes = new Store(storage, nodeStrategy);
  await nodes.create(undefined, { metadata: { name: 'node-1' } });
  await nodes.delete(undefined, 'node-1', { gracePeriodSeconds: 30 });
  await assert.rejects(nodes.get(undefined, 'node-1'), (e: StatusError) => e.code === 404);
});

test('beforeDelete: a pod marked with grace 0 but still stored is removed by the next delete (a half-done delete)', () => {
  const half = { metadata: { name: 'x', deletionTimestamp: '2030-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 }, spec: { containers: [], nodeName: 'n' } } as Pod;
  assert.deepEqual(beforeDelete(podStrategy, half, { gracePeriodSeconds: 10 }), { kind: 'now' });
});
