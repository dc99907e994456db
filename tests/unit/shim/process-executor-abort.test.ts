// ProcessExecutor when its client is gone: an abort ends the command even while the output's reader is stalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { ProcessExecutor } from '../../../src/shim/process-executor.ts';
import { Spawner } from '../../../src/shim/spawner.ts';
import { waitFor } from '../../../src/util/wait.ts';

// Regression (issue 8): after a kill, 'close' waited for the process's stdout to drain into a reader that had
// stopped, so the exec never ended (the session, and the shim's memory of it, stayed forever).
test('an abort while the output reader is stalled ends the exec: the process is killed and the result comes back', async () => {
  const executor = new ProcessExecutor(() => ({ cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }), 'runtime shim test');
  let written = 0;
  // A reader that takes one chunk and never calls back: a client that stopped reading.
  const stalled = new Writable({ highWaterMark: 1024, write(chunk, _e, _cb) { written += chunk.length; } });
  const ac = new AbortController();
  const result = executor.execInContainer({ container: 'c1', cmd: ['yes'] }, { stdout: stalled, tty: false }, ac.signal);
  await waitFor(() => written > 0, { what: 'yes to write' });
  ac.abort(new Error('client disconnected'));
  let ended: { signal?: string } | undefined;
  void result.then((r) => { ended = r; });
  await waitFor(() => ended, { timeoutMs: 10_000, what: 'execInContainer to return after the abort' });
  assert.equal(ended!.signal, 'SIGKILL');
});

// Regression (issue 10): the abort listener was added only after the process had spawned, so a client that left
// in between left its command running. The abort here comes when the executor records the new process.
test('a client gone while the command is being started: the command is killed as soon as it exists', async () => {
  const ac = new AbortController();
  const executor = new ProcessExecutor(() => ({
    cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, track: () => ac.abort(new Error('client disconnected')),
  }), 'runtime shim test');
  const result = await executor.execInContainer({ container: 'c1', cmd: ['sleep', '30'] }, { tty: false }, ac.signal);
  assert.deepEqual(result, { exitCode: 137, signal: 'SIGKILL' });
});

// With chapter 5's spawner the pid arrives after the spawn, over IPC: a client gone in between found no pid to kill,
// and its command ran on.
test('with a spawner: a client gone before the pid arrives still has its command killed', { timeout: 20_000 }, async (t) => {
  const spawner = new Spawner();
  t.after(() => spawner.close());
  const ac = new AbortController();
  const spawn = spawner.spawn.bind(spawner);
  spawner.spawn = (argv, opts) => { const p = spawn(argv, opts); ac.abort(new Error('client disconnected')); return p; };
  const executor = new ProcessExecutor(() => ({ cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }), 'runtime shim test', spawner);
  const result = await executor.execInContainer({ container: 'c1', cmd: ['sleep', '30'] }, { tty: false }, ac.signal);
  assert.deepEqual(result, { exitCode: 137, signal: 'SIGKILL' });
});
