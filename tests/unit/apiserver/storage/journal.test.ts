// The store's journal: a restarted store has every object at its revision and goes on counting; a watch from before
// the restart is 410; snapshots; a torn last line (a crash mid-write) is dropped; a damaged line stops the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../../../src/apiserver/storage/journal.ts';
import { MemoryStorage } from '../../../../src/apiserver/storage/memory.ts';
import { StorageError } from '../../../../src/apiserver/storage/interface.ts';

const dir = () => join(mkdtempSync(join(tmpdir(), 'journal-')), 'apiserver-storage');
const open = (d: string, linesPerSnapshot?: number) => new MemoryStorage({ journal: new FileJournal(d, linesPerSnapshot) });
const everything = async (s: MemoryStorage) => ({ ...(await s.list('/')), current: s.currentRevision() });

test('a store opened again has every object at its revision, deletions included, and goes on counting', async () => {
  const d = dir();
  const a = open(d);
  await a.create('/pods/web', { n: 1 });
  await a.create('/pods/gone', { n: 1 });
  await a.update('/pods/web', { n: 2, text: 'é ✓' });
  await a.delete('/pods/gone');
  await a.create('/nodes/node-1', {});
  const was = await everything(a);
  await a.close();

  const b = open(d);
  assert.deepEqual(await everything(b), was);
  assert.deepEqual(await b.get('/pods/web'), { key: '/pods/web', value: { n: 2, text: 'é ✓' }, modRevision: 3 });
  assert.equal(await b.get('/pods/gone'), undefined);
  assert.equal((await b.update('/pods/web', { n: 3 }, 3)).modRevision, 6, 'the revision goes on from 5');
  await b.close();
});

test('after a restart, a watch from an older revision is 410 (relist); from the current one it sees what follows', async () => {
  const d = dir();
  const a = open(d);
  await a.create('/pods/a', {});
  await a.create('/pods/b', {});
  await a.close();
  const b = open(d);
  assert.throws(() => b.watch('/pods/', 1), (e: StorageError) => e.code === 'TooOldResourceVersion');
  const w = b.watch('/pods/', 2);
  await b.create('/pods/c', {});
  const first = await w[Symbol.asyncIterator]().next();
  assert.deepEqual([first.value?.type, first.value?.key, first.value?.revision], ['ADDED', '/pods/c', 3]);
  w.stop();
  await b.close();
});

test('every N lines the store goes to a snapshot and the journal starts again; both together give the store back', async () => {
  const d = dir();
  const a = open(d, 10);
  for (let i = 0; i < 25; i++) await a.create(`/k/${i}`, { i });
  await a.delete('/k/3');
  const was = await everything(a);
  await a.close();
  assert.ok(existsSync(join(d, 'snapshot.json')));
  assert.equal(readFileSync(join(d, 'journal.jsonl'), 'utf8').split('\n').length - 1, 6, '26 writes: snapshots at 10 and 20, 6 lines since');
  assert.deepEqual(await everything(open(d, 10)), was);
});

test('a crash between a snapshot and the journal\'s reset: lines the snapshot holds are not applied twice', async () => {
  const d = dir();
  const a = open(d);
  await a.create('/k/a', { v: 1 });
  await a.update('/k/a', { v: 2 });
  await a.close();
  // A snapshot at revision 2 beside the journal that led to it (both lines at revision <= 2).
  writeFileSync(join(d, 'snapshot.json'), JSON.stringify({ revision: 2, items: [{ key: '/k/a', value: { v: 2 }, modRevision: 2 }] }));
  appendFileSync(join(d, 'journal.jsonl'), `${JSON.stringify({ rev: 3, key: '/k/b', value: { v: 1 } })}\n`);
  const b = open(d);
  assert.deepEqual((await b.list('/k/')).items.map((kv) => [kv.key, kv.value, kv.modRevision]), [['/k/a', { v: 2 }, 2], ['/k/b', { v: 1 }, 3]]);
  assert.equal(b.currentRevision(), 3);
});

test('a torn last line (a crash mid-write) is dropped, and the next write starts a line of its own', async () => {
  const d = dir();
  const a = open(d);
  await a.create('/k/a', { v: 1 });
  await a.close();
  appendFileSync(join(d, 'journal.jsonl'), '{"rev":2,"key":"/k/b","val');
  const b = open(d);
  assert.equal(b.currentRevision(), 1);
  assert.equal(await b.get('/k/b'), undefined);
  await b.create('/k/c', { v: 'ü' });
  await b.close();
  const c = open(d);
  assert.deepEqual((await c.list('/k/')).items.map((kv) => [kv.key, kv.modRevision]), [['/k/a', 1], ['/k/c', 2]]);
});

test('a damaged line in the middle stops the start, naming the file and line', async () => {
  const d = dir();
  const a = open(d);
  await a.create('/k/a', {});
  await a.close();
  appendFileSync(join(d, 'journal.jsonl'), 'garbage\n{"rev":2,"key":"/k/b","value":{}}\n');
  assert.throws(() => open(d), (e: Error) => e.message === `${join(d, 'journal.jsonl')}:2: not a journal line; the API server's storage is damaged (delete the folder to start empty)`);
});
