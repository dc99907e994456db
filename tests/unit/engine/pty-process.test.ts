// A terminal process of the engine's process backend: a reader that falls behind holds the program back (the
// terminal is paused) instead of the engine buffering its output. (What is left in the terminal when the program
// exits can still be lost here: src/exec/pty.ts holds the slave open to keep it; this file does not yet.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnOnPty } from '../../../src/engine/pty-process.ts';
import { waitFor } from '../../../src/util/wait.ts';

const hasPty = await import('node-pty').then(() => true, () => false);

test('an unread terminal blocks its program, bounded in memory; reading again lets it finish', { skip: hasPty ? false : 'node-pty is not installed' }, async () => {
  const total = 20_000_000;
  const p = await spawnOnPty(['head', '-c', String(total), '/dev/zero'], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  // Nobody reads stdout: the program must end up asleep writing to its terminal, with what the engine holds no
  // longer growing from one look to the next (without the pause, node-pty reads on and the buffer grows).
  const held = () => p.stdout.readableLength + p.stdout.writableLength;
  let last = -1;
  await waitFor(() => {
    try {
      const state = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[0];
      const blocked = state === 'S' && readFileSync(`/proc/${p.pid}/wchan`, 'utf8') === 'wait_woken';
      const now = held();
      const stable = now > 0 && now === last;
      last = now;
      return blocked && stable;
    } catch { return false; }
  }, { timeoutMs: 10_000, intervalMs: 50, what: 'the program to block on its terminal' });
  assert.ok(held() < 256 * 1024, 'the engine holds little of the output');
  let got = 0;
  p.stdout.on('data', (c: Buffer) => { got += c.length; });
  assert.equal((await p.exit).exitCode, 0);
  await new Promise((r) => (p.stdout.readableEnded ? r(null) : p.stdout.once('end', r)));
  assert.ok(got > total / 2, `most of the output arrived (${got} of ${total})`);
});
