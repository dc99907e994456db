// The supervisor's restart policy, with stand-in processes: a crash is restarted after a backoff with a log line, a
// stop on purpose is not; and its control socket answers list/stop/start, refusing bad requests with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComponentKeeper, restartDelayMs } from '../../../src/workbook/restarts.ts';
import { controlSocketPath, parseSignal, sendControl, serveControl } from '../../../src/workbook/control.ts';
import type { ComponentProcess } from '../../../src/workbook/supervisor.ts';
import { waitFor } from '../../../src/util/wait.ts';

// A process that exits when told to: exit(signal) resolves `exited` as a real child's would.
function fakeProcess(pid: number) {
  const child = Object.assign(new EventEmitter(), { pid, exitCode: null as number | null, signalCode: null as NodeJS.Signals | null });
  let resolve!: (code: number | null) => void;
  const exited = new Promise<number | null>((r) => { resolve = r; });
  const proc = { spec: { name: 'k', entry: '', probe: 'none' }, child, announcement: { name: 'k', pid, url: `http://127.0.0.1:${pid}` }, exited } as unknown as ComponentProcess;
  return { proc, exit: (signal: NodeJS.Signals) => { child.signalCode = signal; resolve(null); } };
}

test('backoff doubles from 1 s to at most 30 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('a crashed component is restarted with a log line and its previous announcement; one stopped on purpose is not', async () => {
  const lines: string[] = [];
  const launched: ReturnType<typeof fakeProcess>[] = [];
  const previous: unknown[] = [];
  const keeper = new ComponentKeeper({ name: 'k', entry: '', probe: 'none' }, async (_spec, prev) => {
    previous.push(prev?.pid);
    const p = fakeProcess(1000 + launched.length);
    launched.push(p);
    return p.proc;
  }, (l) => lines.push(l));
  await keeper.start();
  assert.equal(keeper.state, 'running');
  launched[0]!.exit('SIGKILL');
  await waitFor(() => keeper.state === 'restarting');
  assert.deepEqual(lines, ['[supervisor] k exited unexpectedly (signal SIGKILL): restarting it in 1s']);
  await waitFor(() => launched.length === 2 && keeper.state === 'running', { timeoutMs: 5000, what: 'the restart' });
  assert.equal(lines[1], '[supervisor] k restarted (pid 1001, restart 1)');
  assert.deepEqual(previous, [undefined, 1000], 'the restart knows the previous address');
  assert.equal(keeper.describe().restarts, 1);

  // On purpose: the exit is expected, and nothing is scheduled.
  const stopping = keeper.stop('SIGKILL');
  launched[1]!.exit('SIGKILL');
  await stopping;
  assert.equal(keeper.state, 'stopped');
  assert.equal(lines.length, 2);
  await assert.rejects(Promise.resolve().then(() => keeper.start()).then(() => keeper.start()), /k is already running/);
});

test('the control socket: list, stop and start reach the handlers; bad requests get a message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'control-'));
  const calls: string[] = [];
  const server = await serveControl(controlSocketPath(dir), {
    list: () => [{ name: 'kubelet-node-1', state: 'running', pid: 7, restarts: 2 }],
    stop: async (name, signal) => { calls.push(`stop ${name} ${signal}`); return `${name} stopped`; },
    start: async (name) => { if (name !== 'a') throw new Error(`no component "${name}"`); calls.push(`start ${name}`); return `${name} started`; },
  });
  t.after(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });
  const sock = controlSocketPath(dir);
  assert.equal(statSync(sock).mode & 0o777, 0o600, 'only its owner may connect');
  assert.deepEqual((await sendControl(sock, { op: 'list' })).components, [{ name: 'kubelet-node-1', state: 'running', pid: 7, restarts: 2 }]);
  assert.deepEqual(await sendControl(sock, { op: 'stop', name: 'a', signal: 'kill' }), { ok: true, message: 'a stopped' });
  assert.deepEqual(await sendControl(sock, { op: 'start', name: 'b' }), { ok: false, message: 'no component "b"' });
  assert.deepEqual(await sendControl(sock, { op: 'stop', name: 'a', signal: 'SIGSEGV' }), { ok: false, message: 'unsupported signal "SIGSEGV": use SIGTERM, SIGKILL, SIGINT, SIGQUIT or SIGHUP' });
  assert.match((await sendControl(sock, { op: 'nope' } as never)).message, /unknown operation "nope"/);
  assert.deepEqual(calls, ['stop a SIGKILL']);
  assert.equal(parseSignal('term'), 'SIGTERM');
  await assert.rejects(sendControl(join(dir, 'none.sock'), { op: 'list' }), /no checkpoint supervisor answers on .*none\.sock/);
});
