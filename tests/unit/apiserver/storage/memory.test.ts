import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../../../src/apiserver/storage/memory.ts';
import { StorageError } from '../../../../src/apiserver/storage/interface.ts';
import type { StorageEvent } from '../../../../src/apiserver/storage/interface.ts';

async function take(it: AsyncIterator<StorageEvent>, n: number): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

test('every write bumps one global revision, and modRevision is the revision of the last write', async () => {
  const s = new MemoryStorage();
  const a = await s.create('/a', { v: 1 });
  const b = await s.create('/b', { v: 1 });
  const a2 = await s.update('/a', { v: 2 });
  assert.deepEqual([a.modRevision, b.modRevision, a2.modRevision], [1, 2, 3]);
  assert.equal(s.currentRevision(), 3);
  assert.deepEqual((await s.get('/a'))?.value, { v: 2 });
});

test('create refuses an existing key; update and delete refuse a missing one', async () => {
  const s = new MemoryStorage();
  await s.create('/a', {});
  await assert.rejects(s.create('/a', {}), (e: StorageError) => e.code === 'KeyExists');
  await assert.rejects(s.update('/x', {}), (e: StorageError) => e.code === 'KeyNotFound');
  await assert.rejects(s.delete('/x'), (e: StorageError) => e.code === 'KeyNotFound');
});

test('update with a stale expected revision is a Conflict and changes nothing', async () => {
  const s = new MemoryStorage();
  const kv = await s.create('/a', { v: 1 });
  await s.update('/a', { v: 2 }, kv.modRevision);
  await assert.rejects(s.update('/a', { v: 3 }, kv.modRevision), (e: StorageError) => e.code === 'Conflict');
  assert.deepEqual((await s.get('/a'))?.value, { v: 2 });
});

test('values are copied in and out: callers cannot mutate what is stored', async () => {
  const s = new MemoryStorage();
  const v = { n: 1 };
  await s.create('/a', v);
  v.n = 99;
  const got = await s.get('/a');
  (got!.value as { n: number }).n = 42;
  assert.deepEqual((await s.get('/a'))?.value, { n: 1 });
});

test('list returns the keys under a prefix, sorted, with the revision it was read at', async () => {
  const s = new MemoryStorage();
  await s.create('/registry/pods/ns/b', {});
  await s.create('/registry/pods/ns/a', {});
  await s.create('/registry/pods/other/c', {});
  const { items, revision } = await s.list('/registry/pods/ns/');
  assert.deepEqual(items.map((i) => i.key), ['/registry/pods/ns/a', '/registry/pods/ns/b']);
  assert.equal(revision, 3);
});

test('watch replays history after the given revision, then follows live events under its prefix', async () => {
  const s = new MemoryStorage();
  await s.create('/p/a', { v: 1 });
  await s.update('/p/a', { v: 2 });
  const w = s.watch('/p/', 1);
  const it = w[Symbol.asyncIterator]();
  await s.create('/q/x', {});   // other prefix: not seen
  await s.delete('/p/a');
  const evs = await take(it, 2);
  assert.deepEqual(evs.map((e) => [e.type, e.revision]), [['MODIFIED', 2], ['DELETED', 4]]);
  assert.deepEqual(evs[0].prevValue, { v: 1 });
  assert.deepEqual(evs[1].value, { v: 2 });
  w.stop();
  assert.equal((await it.next()).done, true);
});

test('watch from a compacted revision fails with TooOldResourceVersion', async () => {
  const s = new MemoryStorage({ historySize: 2 });
  for (let i = 0; i < 5; i++) await s.create(`/k${i}`, {});
  assert.throws(() => s.watch('/', 1), (e: StorageError) => e.code === 'TooOldResourceVersion' && /too old resource version: 1 \(4\)/.test(e.message));
  // The oldest revision still in history can be replayed from.
  const w = s.watch('/', 3);
  const evs = await take(w[Symbol.asyncIterator](), 2);
  assert.deepEqual(evs.map((e) => e.revision), [4, 5]);
  w.stop();
});

test('a watcher that falls too far behind is ended with an error instead of buffering without bound', async () => {
  const s = new MemoryStorage({ watcherQueueSize: 3 });
  const w = s.watch('/', 0);
  for (let i = 0; i < 5; i++) await s.create(`/k${i}`, {});
  const it = w[Symbol.asyncIterator]();
  const got: number[] = [];
  await assert.rejects(async () => { for (;;) { const r = await it.next(); if (r.done) break; got.push(r.value.revision); } },
    (e: StorageError) => e.code === 'WatcherTooSlow');
  assert.deepEqual(got, [1, 2, 3]);
});

test('close stops every watcher', async () => {
  const s = new MemoryStorage();
  const it = s.watch('/', 0)[Symbol.asyncIterator]();
  const next = it.next();
  await s.close();
  assert.equal((await next).done, true);
});
