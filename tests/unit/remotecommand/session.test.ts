// ExecSession without a socket: what each message does, the greeting, the three endings as Status, and output flow control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ExecSession, LOGGED_DROPS, OUTPUT_HIGH_WATER, type MessageTransport } from '../../../src/remotecommand/session.ts';
import { protocolInfo } from '../../../src/remotecommand/protocols.ts';
import { ExecError, type Executor, type ExecStreams } from '../../../src/exec/executor.ts';

const v5 = protocolInfo('v5.channel.k8s.io')!;
const b64 = protocolInfo('base64.channel.k8s.io')!;

function fakeTransport(buffered = () => 0) {
  const sent: (Uint8Array | string)[] = [];
  const pending: ((err?: Error) => void)[] = [];
  let paused = 0;
  const t: MessageTransport = {
    // Parts make one message: joined here, as the bytes on the wire would be.
    send: (m, cb) => { sent.push(typeof m === 'string' || m instanceof Uint8Array ? m : Buffer.concat(m)); pending.push(cb); },
    bufferedAmount: buffered,
    pauseInput: () => { paused++; },
    resumeInput: () => { paused--; },
  };
  return { t, sent, flush: () => pending.splice(0).forEach((f) => f()), fail: (err: Error) => pending.splice(0).forEach((f) => f(err)), paused: () => paused };
}
const hex = (m: Uint8Array | string) => Buffer.from(m as Uint8Array).toString('hex');
const exec = (fn: (s: ExecStreams) => Promise<{ exitCode: number; signal?: NodeJS.Signals }>): Executor => ({ execInContainer: (_t, s) => fn(s) });

test('Status endings: Success, NonZeroExitCode (exit status / signal), InternalError', async () => {
  const s = () => new ExecSession(v5, { stdin: false, stdout: true, stderr: true, tty: false }, fakeTransport().t);
  const target = { container: '/', cmd: ['x'] };
  const signal = new AbortController().signal;
  assert.equal((await s().run(exec(async () => ({ exitCode: 0 })), target, signal)).status, 'Success');
  assert.equal((await s().run(exec(async () => ({ exitCode: 2 })), target, signal)).message, 'command terminated with non-zero exit code: exit status 2');
  assert.equal((await s().run(exec(async () => ({ exitCode: 137, signal: 'SIGKILL' })), target, signal)).message, 'command terminated with non-zero exit code: signal: killed');
  const failed = await s().run(exec(async () => { throw new ExecError('exec: "x": executable file not found in $PATH'); }), target, signal);
  assert.deepEqual([failed.reason, failed.code, failed.message], ['InternalError', 500, 'Internal error occurred: error executing command in container: exec: "x": executable file not found in $PATH']);
});

test('the empty greeting goes first, once, on the lowest writable channel', async () => {
  for (const [opts, first] of [
    [{ stdin: false, stdout: true, stderr: true, tty: false }, '01'],
    [{ stdin: true, stdout: false, stderr: true, tty: false }, '02'],
    [{ stdin: true, stdout: false, stderr: false, tty: false }, '03'],
  ] as const) {
    const f = fakeTransport();
    const s = new ExecSession(v5, opts, f.t);
    await s.run(exec(async (st) => { st.stdout?.write('a'); st.stdout?.write('b'); return { exitCode: 0 }; }), { container: '/', cmd: ['x'] }, new AbortController().signal);
    const status = s.sendStatus({ metadata: {}, status: 'Success' });
    f.flush();
    await status;
    assert.equal(hex(f.sent[0]!), first);
    assert.equal(f.sent.filter((m) => hex(m) === first).length, 1);
    assert.match(Buffer.from(f.sent.at(-1) as Uint8Array).toString(), /^\x03\{"metadata":\{\},"status":"Success"\}$/);
  }
});

test('stdin only when asked for; close signal ends it; unknown channels and bad frames are dropped', async () => {
  const logs: string[] = [];
  const f = fakeTransport();
  const s = new ExecSession(v5, { stdin: true, stdout: true, stderr: false, tty: false }, f.t, (l) => logs.push(l));
  const chunks: string[] = [];
  s.streams.stdin!.on('data', (c) => chunks.push(String(c)));
  const ended = new Promise((r) => s.streams.stdin!.on('end', r));
  s.receive(Buffer.from('00616263', 'hex'), true);
  s.receive(Buffer.from('0900', 'hex'), true);
  s.receive('text', false);
  s.receive(Buffer.from('ff00', 'hex'), true);
  s.receive(Buffer.from('00787878', 'hex'), true); // after EOF: ignored
  await ended;
  assert.deepEqual(chunks, ['abc']);
  assert.match(logs.join('\n'), /dropped a message: unexpected text message/);
  assert.throws(() => s.receive(Buffer.from('ff', 'hex'), true), /malformed close signal/);

  const noStdin = new ExecSession(v5, { stdin: false, stdout: true, stderr: false, tty: false }, fakeTransport().t);
  assert.equal(noStdin.streams.stdin, undefined);
  noStdin.receive(Buffer.from('00616263', 'hex'), true); // dropped, no throw
});

test('a full stdin pauses the socket until the process reads', async () => {
  const f = fakeTransport();
  const s = new ExecSession(v5, { stdin: true, stdout: true, stderr: false, tty: false }, f.t);
  const big = Buffer.concat([Buffer.from([0]), Buffer.alloc(128 * 1024)]);
  s.receive(big, true);
  assert.equal(f.paused(), 1);
  s.streams.stdin!.resume();
  await new Promise((r) => s.streams.stdin!.once('drain', r));
  await new Promise((r) => setImmediate(r));
  assert.equal(f.paused(), 0);
});

test('resize: parsed in any key case for a tty, split across messages; ignored without a tty', async () => {
  const f = fakeTransport();
  const s = new ExecSession(b64, { stdin: true, stdout: true, stderr: false, tty: true }, f.t);
  const enc = (t: string) => '4' + Buffer.from(t).toString('base64');
  s.receive(enc('{"Width":100,'), false);
  s.receive(enc('"Height":30}\n'), false);
  const it = s.streams.resize![Symbol.asyncIterator]();
  assert.deepEqual((await it.next()).value, { width: 100, height: 30 });
  s.receive(enc('{"height":40,"width":120}'), false);
  assert.deepEqual((await it.next()).value, { width: 120, height: 40 });

  const plain = new ExecSession(v5, { stdin: false, stdout: true, stderr: true, tty: false }, fakeTransport().t);
  assert.equal(plain.streams.resize, undefined);
  plain.receive(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":1,"Height":1}')]), true); // parsed, not forwarded
});

test('output waits for the socket once more than the high-water mark is queued', async () => {
  let queued = 0;
  const f = fakeTransport(() => queued);
  const s = new ExecSession(v5, { stdin: false, stdout: true, stderr: false, tty: false }, f.t);
  let called = 0;
  s.streams.stdout!.write('a', () => called++);
  await new Promise((r) => setImmediate(r));
  assert.equal(called, 1); // below the mark: no waiting for the socket
  queued = OUTPUT_HIGH_WATER;
  s.streams.stdout!.write('b', () => called++);
  await new Promise((r) => setImmediate(r));
  assert.equal(called, 1); // above it: the callback waits for the send
  f.flush();
  await new Promise((r) => setImmediate(r));
  assert.equal(called, 2);
});

// Regression (issue 8): a send that failed while the writer waited became an 'error' on the output Writable;
// the shim pipes the process into it with pipe(), which adds no listener, so the shim crashed ("write EPIPE").
test('a failed send while output waits: no error reaches the pipe, the rest of the output drains', async () => {
  const logs: string[] = [];
  let queued = 0;
  const f = fakeTransport(() => queued);
  const s = new ExecSession(v5, { stdin: false, stdout: true, stderr: false, tty: false }, f.t, (l) => logs.push(l));
  let produced = 0;
  const process = new Readable({ highWaterMark: 16, read() { this.push(++produced <= 200 ? Buffer.alloc(1024, 'y') : null); } });
  const ended = new Promise((resolve) => process.once('end', resolve));
  queued = OUTPUT_HIGH_WATER; // a client that stopped reading
  process.pipe(s.streams.stdout!); // as the shim's executor does: no 'error' listener of its own
  await new Promise((r) => setImmediate(r));
  assert.ok(produced < 200, 'the writer should hold the process back while the socket is full');
  f.fail(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })); // the client went away
  await ended; // everything after the failure is swallowed: the pipe never stalls, nothing is thrown
  const sentBefore = f.sent.length;
  s.streams.stdout!.write('late');
  await new Promise((r) => setImmediate(r));
  assert.equal(f.sent.length, sentBefore, 'nothing is sent on a transport that failed');
  assert.deepEqual(logs, ['output dropped from now on, the client is gone: write EPIPE']);
});

test('bad messages: the first few are logged, the rest counted in one line when the session closes', () => {
  const logs: string[] = [];
  const s = new ExecSession(v5, { stdin: true, stdout: true, stderr: false, tty: false }, fakeTransport().t, (l) => logs.push(l));
  for (let i = 0; i < 200_000; i++) s.receive('not on v5', false); // text messages are not part of v5
  assert.equal(logs.length, LOGGED_DROPS);
  assert.match(logs.at(-1)!, /^dropped a message: unexpected text message on v5\.channel\.k8s\.io.*\(further drops are counted, not logged\)$/);
  s.close();
  assert.deepEqual(logs.slice(LOGGED_DROPS), [`dropped ${200_000 - LOGGED_DROPS} more messages (200000 in all)`]);
});

// Regression: a client that sent a big stdin and its EOF at once left the socket paused for good (an ended stdin never
// emits 'drain'), so the close frame went unread and the session took ws's 30 s close timeout to end.
test('a stdin that ends while the socket is paused for it resumes the socket; an executor that returns early too', async () => {
  const f = fakeTransport();
  const session = new ExecSession(v5, { stdin: true, stdout: true, stderr: false, tty: false }, f.t);
  session.receive(Buffer.concat([Buffer.of(0), Buffer.alloc(256 * 1024, 0x61)]), true);
  assert.equal(f.paused(), 1, 'a full stdin pauses the socket');
  session.receive(Buffer.of(255, 0), true); // the close signal, already read
  let read = 0;
  session.streams.stdin!.on('data', (c: Buffer) => { read += c.length; });
  await new Promise((r) => session.streams.stdin!.once('end', r));
  assert.equal(read, 256 * 1024);
  await new Promise((r) => setImmediate(r));
  assert.equal(f.paused(), 0, 'resumed once stdin is done');

  const g = fakeTransport();
  const early = new ExecSession(v5, { stdin: true, stdout: true, stderr: false, tty: false }, g.t);
  early.receive(Buffer.concat([Buffer.of(0), Buffer.alloc(256 * 1024)]), true);
  await early.run(exec(async () => ({ exitCode: 0 })), { container: '/', cmd: ['true'] }, new AbortController().signal);
  await new Promise((r) => setImmediate(r));
  assert.equal(g.paused(), 0, 'a command that never read its stdin does not leave the socket paused');
});
