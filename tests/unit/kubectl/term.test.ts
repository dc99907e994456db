// kubectl's terminal helpers: raw mode undone on every way out of the session, the size and its changes from stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { monitorSize, withRawTerminal } from '../../../src/kubectl/term.ts';

function fakeTerminal() {
  const modes: boolean[] = [];
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (raw: boolean) => { modes.push(raw); } });
  return { input, modes };
}

test('raw mode for the session, cooked again after a result and after an exception', async () => {
  const a = fakeTerminal();
  assert.equal(await withRawTerminal(a.input, async () => { assert.deepEqual(a.modes, [true]); return 7; }), 7);
  assert.deepEqual(a.modes, [true, false]);
  const b = fakeTerminal();
  await assert.rejects(withRawTerminal(b.input, async () => { throw new Error('server gone'); }), /server gone/);
  assert.deepEqual(b.modes, [true, false]);
  assert.equal(process.listenerCount('SIGTERM'), 0, 'no signal handler left behind');
});

test('a signal during the session restores the terminal, then kubectl exits 1 (interrupt.Handler\'s default)', async () => {
  const t = fakeTerminal();
  const exit = process.exit;
  const exits: (string | number | null | undefined)[] = [];
  let modeAtExit: boolean[] = [];
  process.exit = ((code?: number) => { exits.push(code); modeAtExit = [...t.modes]; }) as typeof process.exit;
  try {
    await withRawTerminal(t.input, async () => { process.emit('SIGHUP', 'SIGHUP'); });
  } finally { process.exit = exit; }
  assert.deepEqual(modeAtExit, [true, false]);
  assert.deepEqual(exits, [1]);
});

test('the size comes from a terminal stdout, with its resize events; none without a terminal', () => {
  const out = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  const r = monitorSize(out)!;
  assert.deepEqual(r.initial, { width: 120, height: 40 });
  const seen: unknown[] = [];
  const stop = r.watch((s) => seen.push(s));
  Object.assign(out, { columns: 90, rows: 20 });
  out.emit('resize');
  stop();
  out.emit('resize');
  assert.deepEqual(seen, [{ width: 90, height: 20 }]);
  assert.equal(monitorSize(Object.assign(new PassThrough(), { isTTY: false })), undefined);
});
