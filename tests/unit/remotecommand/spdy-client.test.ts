// streamExecSpdy against the SPDY server half (serveRemoteCommand, the judge the real kubectl approved), every version,
// and against hand-made servers that misbehave: no SYN_REPLY, a refused stream, a drop mid-stream, garbage, a wrong protocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { serveRemoteCommand } from '../../../src/remotecommand/serve-stream.ts';
import { streamExecSpdy } from '../../../src/remotecommand/spdy-client.ts';
import { exitCodeFromStatus } from '../../../src/remotecommand/status.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { SpdyConnection } from '../../../src/spdy/connection.ts';
import { waitFor } from '../../../src/util/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'spdy-client-'));
const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
const sessions = new Set<Promise<unknown>>();
const serverSockets: Duplex[] = [];
// What the next upgrade gets instead of serveRemoteCommand (a misbehaving server), once.
let fake: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
const server: Server = createServer((_req, res) => res.writeHead(404).end());
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  serverSockets.push(socket);
  if (fake) { const f = fake; fake = undefined; return f(req, socket, head); }
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const flag = (k: string) => q.get(k) === 'true';
  const p = serveRemoteCommand(req, socket, head, {
    executor, target: { container: dir, cmd: q.getAll('command') },
    options: { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') },
  });
  sessions.add(p);
  void p.finally(() => sessions.delete(p));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
test.after(async () => {
  await waitFor(() => sessions.size === 0, { what: 'sessions to end', timeoutMs: 30_000 }).catch(() => {});
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const url = (cmd: string[], flags = 'stdout=true&stderr=true') => `${base}/exec?${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${flags}`;
function sink() {
  const chunks: Buffer[] = [];
  return { w: new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } }), text: () => Buffer.concat(chunks).toString() };
}
const pidsWith = (marker: string) => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((p) => {
  try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === marker; } catch { return false; }
});

test('v5 offered, v4 served: stdout and stderr apart, exact exit codes, the negotiated protocol in onResponse', async () => {
  for (const n of [0, 3, 255]) {
    const out = sink(); const err = sink();
    const seen: string[] = [];
    const status = await streamExecSpdy(url(['sh', '-c', `echo to-out; echo to-err >&2; exit ${n}`]), { stdout: out.w, stderr: err.w, tty: false, onResponse: (r) => seen.push(`${r.statusCode} ${r.protocol}`) });
    assert.deepEqual([exitCodeFromStatus(status), out.text(), err.text()], [n, 'to-out\n', 'to-err\n']);
    assert.deepEqual(seen, ['101 v4.channel.k8s.io']);
  }
  // The streams opened follow the caller's writers (client-go's StreamOptions), which match the query in kubectl.
  const missing = await streamExecSpdy(url(['no-such-cmd-spdy-client']), { stdout: sink().w, stderr: sink().w, tty: false });
  assert.equal(missing.reason, 'InternalError');
  assert.match(missing.message ?? '', /error executing command in container: .*no-such-cmd-spdy-client/);
});

test('v3 and v2: text on the error stream, with client-go\'s words; v1: the 1.0 server never reports (its error stream is reset)', async () => {
  for (const p of ['v3.channel.k8s.io', 'v2.channel.k8s.io']) {
    const out = sink();
    const ok = await streamExecSpdy(url(['echo', 'hi'], 'stdout=true'), { stdout: out.w, tty: false, protocols: [p] });
    assert.deepEqual([ok.status, out.text()], ['Success', 'hi\n'], p);
    const failed = await streamExecSpdy(url(['sh', '-c', 'exit 4'], 'stdout=true'), { stdout: sink().w, tty: false, protocols: [p] });
    assert.equal(failed.status, 'Failure');
    assert.equal(failed.message, 'error executing remote command: command terminated with non-zero exit code: exit status 4', p);
    assert.throws(() => exitCodeFromStatus(failed), /^Error: error executing remote command: /);
  }
  const out = sink();
  const v1 = await streamExecSpdy(url(['sh', '-c', 'echo one; exit 4'], 'stdout=true'), { stdout: out.w, tty: false, protocols: ['channel.k8s.io'] });
  assert.deepEqual([v1.status, out.text()], ['Success', 'one\n']);
});

test('stdin arrives whole, its EOF half-closes the stream and ends cat (v4 and v2); stdin is left paused and unheard', async () => {
  const big = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i} ${'x'.repeat(60)}\n`).join(''));
  for (const p of ['v4.channel.k8s.io', 'v2.channel.k8s.io']) {
    const stdin = new PassThrough();
    const out = sink();
    const done = streamExecSpdy(url(['cat'], 'stdin=true&stdout=true'), { stdin, stdout: out.w, tty: false, protocols: [p] });
    stdin.end(big);
    const status = await done;
    assert.equal(status.status, 'Success', p);
    assert.equal(out.text().length, big.length, p);
    assert.equal(out.text(), big.toString(), p);
    assert.equal(stdin.listenerCount('data'), 0);
  }
  // A stdin that never ends (a terminal): the command ends, the session ends, stdin is paused and let go.
  const stdin = new PassThrough();
  const status = await streamExecSpdy(url(['true'], 'stdin=true&stdout=true'), { stdin, stdout: sink().w, tty: false });
  assert.equal(status.status, 'Success');
  assert.ok(stdin.isPaused());
  assert.equal(stdin.listenerCount('data'), 0);
});

test('a terminal: the initial size, then a resize, through the resize stream; no stderr stream', async () => {
  const out = sink();
  const stdin = new PassThrough();
  let push: ((s: { width: number; height: number }) => void) | undefined;
  // Each line typed prints the terminal's size; "q" exits 5. (The first size may reach the pty after the shell
  // starts under load: asking again until it answers is what a person would do.)
  const done = streamExecSpdy(url(['sh', '-c', 'while read x; do [ "$x" = q ] && exit 5; stty size; done'], 'stdin=true&stdout=true&tty=true'), {
    stdin, stdout: out.w, tty: true,
    resize: { initial: { width: 100, height: 30 }, watch: (send) => { push = send; return () => { push = undefined; }; } },
  });
  const sizeShown = (re: RegExp, what: string) => waitFor(() => {
    if (re.test(out.text())) return true;
    stdin.write('\r');
    return false;
  }, { what, timeoutMs: 60_000, intervalMs: 200 });
  await sizeShown(/30 100/, 'the first size');
  push!({ width: 120, height: 40 });
  await sizeShown(/40 120/, 'the resized size');
  stdin.write('q\r');
  const status = await done;
  assert.equal(exitCodeFromStatus(status), 5);
  assert.equal(push, undefined, 'the size watch is stopped');
});

test('backpressure: a stdout that does not drain stops the server writing, and memory stays bounded; then all of it arrives', async () => {
  const total = 32 << 20;
  let received = 0;
  let release: (() => void) | undefined;
  let holding = true;
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(c: Buffer, _e, cb) { received += c.length; if (holding) release = cb; else cb(); },
  });
  const before = serverSockets.length;
  const done = streamExecSpdy(url(['head', '-c', String(total), '/dev/zero'], 'stdout=true'), { stdout: slow, tty: false });
  await waitFor(() => serverSockets.length > before && release, { what: 'the first output', timeoutMs: 30_000 });
  const socket = serverSockets[before] as Duplex & { bytesWritten: number };
  // Wait until the server has stopped writing (the same count twice, 200 ms apart), then look at how much went out.
  let last = -1;
  await waitFor(() => { const now = socket.bytesWritten; const still = now === last; last = now; return still; }, { what: 'the server to stop writing', intervalMs: 200, timeoutMs: 30_000 });
  assert.ok(socket.bytesWritten < 8 << 20, `the server wrote ${socket.bytesWritten} bytes to a client reading none`);
  holding = false;
  release!();
  const status = await done;
  assert.equal(status.status, 'Success');
  assert.equal(received, total);
});

test('an abort mid-command rejects with the reason and the command is killed', async () => {
  const marker = `sleep ${randomInt(100000, 999999)}`;
  const ac = new AbortController();
  const done = streamExecSpdy(url(['sh', '-c', `exec ${marker}`], 'stdout=true'), { stdout: sink().w, tty: false, signal: ac.signal });
  await waitFor(() => pidsWith(marker).length === 1, { what: `${marker} to start`, timeoutMs: 30_000 });
  ac.abort(new Error('gave up'));
  await assert.rejects(done, /gave up/);
  await waitFor(() => pidsWith(marker).length === 0, { what: `${marker} to be killed`, timeoutMs: 15_000 });
});

// A hand-made SPDY server: answers the upgrade with a 101 for `protocol`, then does what `then` says.
function misbehave(protocol: string, then: (conn: SpdyConnection, socket: Duplex) => void) {
  fake = (_req, socket, head) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    const conn = new SpdyConnection(socket, { role: 'server' }, head);
    then(conn, socket);
  };
}

test('a server that never replies to SYN_STREAM: the stream\'s creation times out, named', async () => {
  misbehave('v4.channel.k8s.io', (conn) => { conn.onStream = () => {}; });
  const err = await streamExecSpdy(url(['date']), { tty: false, streamCreationTimeoutMs: 300, hop: 'kubelet node-9' }).catch((e) => e);
  assert.match(err.message, /^kubelet node-9: error creating the error stream: Timeout occurred/);
});

test('a server that refuses a stream: rejected, naming the stream', async () => {
  misbehave('v4.channel.k8s.io', (conn) => { conn.onStream = (s) => (s.headers.streamtype === 'stdout' ? s.refuse() : s.reply()); });
  const err = await streamExecSpdy(url(['date']), { tty: false, stdout: sink().w }).catch((e) => e);
  assert.match(err.message, /^error creating the stdout stream: /);
});

test('a connection dropped mid-stream: the output so far, then an error naming the hop (never a silent success)', async () => {
  misbehave('v4.channel.k8s.io', (conn, socket) => {
    conn.onStream = (s) => {
      s.reply();
      if (s.headers.streamtype === 'stdout') s.write('partial\n', () => socket.destroy());
    };
  });
  const out = sink();
  const err = await streamExecSpdy(url(['date']), { tty: false, stdout: out.w, hop: 'kubelet node-2' }).catch((e) => e);
  assert.equal(out.text(), 'partial\n');
  assert.equal(err.message, 'kubelet node-2: connection lost mid-stream: EOF');
});

test('garbage after the 101 ends the connection: rejected, and nothing thrown out of the client', async () => {
  fake = (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
    socket.write(Buffer.from('80030005000000000000000000000000ffffffffffff', 'hex'));
  };
  await assert.rejects(streamExecSpdy(url(['date']), { tty: false }), /error creating the error stream/);
});

test('a 101 choosing a protocol that was not offered is refused', async () => {
  misbehave('v9.channel.k8s.io', () => {});
  await assert.rejects(streamExecSpdy(url(['date']), { tty: false }), /the server chose stream protocol "v9.channel.k8s.io", which was not offered/);
});

test('over TLS (https:): the CA given as the WebSocket client\'s `ws` settings is used; an unknown CA is refused', async (t) => {
  const certDir = mkdtempSync(join(tmpdir(), 'spdy-client-tls-'));
  t.after(() => rmSync(certDir, { recursive: true, force: true }));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  } catch { return t.skip('no openssl CLI to make a certificate'); }
  const cert = readFileSync(join(certDir, 'cert.pem'));
  const secure = createHttpsServer({ key: readFileSync(join(certDir, 'key.pem')), cert });
  secure.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    void serveRemoteCommand(req, socket, head, { executor, target: { container: dir, cmd: ['echo', 'secret'] }, options: { stdin: false, stdout: true, stderr: false, tty: false } });
  });
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  t.after(() => { secure.closeAllConnections(); return new Promise((r) => secure.close(r)); });
  const target = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/exec`;
  const out = sink();
  const status = await streamExecSpdy(target, { stdout: out.w, tty: false, ws: { ca: cert } });
  assert.deepEqual([status.status, out.text()], ['Success', 'secret\n']);
  await assert.rejects(streamExecSpdy(target, { stdout: sink().w, tty: false }), /error sending request: Post ".*": .*(self[- ]signed|certificate)/i);
});

test('onFrame sees the session as it happens: SYN_STREAM per stream type in order, each SYN_REPLY, DATA, then the server\'s RSTs and GOAWAY', async () => {
  const frames: string[] = [];
  const status = await streamExecSpdy(url(['echo', 'hi'], 'stdout=true&stderr=true'), {
    stdout: sink().w, stderr: sink().w, tty: false,
    onFrame: (dir, f, headers) => frames.push(`${dir} ${f.type}${'streamId' in f ? ` ${f.streamId}` : ''}${headers?.streamtype ? ` ${headers.streamtype}` : ''}`),
  });
  assert.equal(status.status, 'Success');
  assert.deepEqual(frames.slice(0, 6), ['send synStream 1 error', 'recv synReply 1', 'send synStream 3 stdout', 'recv synReply 3', 'send synStream 5 stderr', 'recv synReply 5']);
  assert.ok(frames.includes('recv data 3'), 'stdout arrived as DATA on stream 3');
  assert.ok(frames.indexOf('recv data 1') > frames.indexOf('recv data 3'), 'the Status comes after the output');
  assert.ok(frames.includes('recv goAway'), frames.join(', '));
});
