// Unit tests for the json-file log: lines split as the log copier does, partial lines flushed, read options, follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLog, parseTimestamp } from '../../../src/engine/json-log.ts';

test('one JSON object per line, with stream and time; split writes joined, a last line without newline flushed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'json-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = new JsonLog(join(dir, 'x-json.log'));
  const followed: string[] = [];
  const stop = log.follow((e) => followed.push(`${e.stream}:${e.log}`));
  log.append('stdout', Buffer.from('one\ntw'));
  log.append('stderr', Buffer.from('err\n'));
  log.append('stdout', Buffer.from('o\nthr'));
  // a multi-byte character cut between two writes
  const euro = Buffer.from('€\n');
  log.append('stdout', euro.subarray(0, 1));
  log.append('stdout', euro.subarray(1));
  log.append('stdout', Buffer.from('last'));
  log.flush();
  stop();
  log.append('stdout', Buffer.from('unfollowed\n'));
  const lines = readFileSync(join(dir, 'x-json.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.stream, l.log]), [['stdout', 'one\n'], ['stderr', 'err\n'], ['stdout', 'two\n'], ['stdout', 'thr€\n'], ['stdout', 'last'], ['stdout', 'unfollowed\n']]);
  assert.match(lines[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
  assert.deepEqual(followed, ['stdout:one\n', 'stderr:err\n', 'stdout:two\n', 'stdout:thr€\n', 'stdout:last']);
  assert.deepEqual(log.read({ stdout: false, stderr: true }).map((e) => e.log), ['err\n']);
  assert.deepEqual(log.read({ stdout: true, stderr: true, tail: 2 }).map((e) => e.log), ['last', 'unfollowed\n']);
  assert.deepEqual(log.read({ stdout: true, stderr: true, tail: 0 }), []);
  assert.equal(log.read({ stdout: true, stderr: true, since: Date.now() / 1000 + 60 }).length, 0);
});

test('a very long line is logged in 16 KiB pieces', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'json-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = new JsonLog(join(dir, 'y-json.log'));
  log.append('stdout', Buffer.from('a'.repeat(40 * 1024) + '\n'));
  assert.deepEqual(log.read({ stdout: true, stderr: true }).map((e) => e.log.length), [16384, 16384, 8193]);
});

test('since/until: unix seconds with a fraction', () => {
  assert.equal(parseTimestamp('1700000000.5'), 1700000000.5);
  assert.equal(parseTimestamp('0'), undefined);
  assert.equal(parseTimestamp(null), undefined);
  assert.equal(parseTimestamp('yesterday'), undefined);
});
