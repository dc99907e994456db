// Unit tests for src/workbook/announcements.ts: the supervisor learns of an announcement through a watch on the
// state folder (not a poll), and still stops waiting on its deadline or when the component dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announce, announcePath } from '../../../src/util/announce.ts';
import { awaitAnnouncement } from '../../../src/workbook/announcements.ts';

const folder = (t: { after(fn: () => void): void }) => {
  const dir = mkdtempSync(join(tmpdir(), 'ike-announce-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('an announcement written while waiting is seen through the watch, with no re-check', async (t) => {
  const dir = folder(t);
  // A re-check an hour away: only the watch can see the file in time.
  const waiting = awaitAnnouncement(announcePath(dir, 'shim'), { timeoutMs: 10_000, what: 'shim', recheckMs: 3_600_000 });
  writeFileSync(join(dir, 'other.ready.json'), '{}'); // another component's: not ours
  announce(dir, { name: 'shim', socket: '/x.sock' });
  const a = await waiting;
  assert.equal(a.socket, '/x.sock');
  assert.equal(a.pid, process.pid);
});

test('an announcement already there is read at once', async (t) => {
  const dir = folder(t);
  announce(dir, { name: 'apiserver', url: 'http://127.0.0.1:1' });
  assert.equal((await awaitAnnouncement(announcePath(dir, 'apiserver'), { timeoutMs: 1000, what: 'apiserver' })).url, 'http://127.0.0.1:1');
});

test('it ends on its deadline, and at once when the component dies (the abort reason)', async (t) => {
  const dir = folder(t);
  await assert.rejects(awaitAnnouncement(announcePath(dir, 'a'), { timeoutMs: 50, what: 'a to announce itself' }),
    /timed out after 50ms waiting for a to announce itself/);
  const died = new AbortController();
  const waiting = awaitAnnouncement(announcePath(dir, 'b'), { timeoutMs: 60_000, what: 'b', signal: died.signal });
  died.abort(new Error('b exited before it was ready'));
  await assert.rejects(waiting, /b exited before it was ready/);
});
