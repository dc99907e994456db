// The exec store forgets ended execs two collections after they end (moby execCommandGC), never a running one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ExecStore } from '../../../src/engine/exec.ts';
import type { ExitStatus } from '../../../src/engine/backend.ts';

function fakeDaemon() {
  const exits: Array<(s: ExitStatus) => void> = [];
  const container = { rec: { ID: 'c'.repeat(64), Config: { Env: [], WorkingDir: '/', User: '' } }, proc: {} };
  const daemon = {
    opts: {
      ttys: false, log: () => {},
      backend: { exec: async () => ({ pid: 42, stdout: new PassThrough(), exited: new Promise<ExitStatus>((r) => exits.push(r)), kill: () => {} }) },
    },
    get: () => container,
    event: () => {},
  };
  return { daemon, exits };
}

test('an ended exec stays inspectable for one collection, then is forgotten; a running one stays', async () => {
  const { daemon, exits } = fakeDaemon();
  const store = new ExecStore(daemon as never, 1 << 30);
  const ended = store.create('c', { Cmd: ['true'] }).Id;
  const running = store.create('c', { Cmd: ['sleep', '1'] }).Id;
  await store.start(ended);
  await store.start(running);
  exits[0]!({ exitCode: 3 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([store.inspect(ended).Running, store.inspect(ended).ExitCode, store.inspect(ended).CanRemove], [false, 3, false]);
  store.gc();
  assert.equal(store.inspect(ended).CanRemove, true);          // marked: still readable
  store.gc();
  assert.throws(() => store.inspect(ended), /No such exec instance/);
  assert.equal(store.inspect(running).Running, true);          // never collected while it runs
});
