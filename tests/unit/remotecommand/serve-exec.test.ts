// serveExec against streamExec and a raw ws client: frames on the wire, Status on channel 3, close 1000, refusals, disconnects, backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { WebSocket } from 'ws';
import { serveExec } from '../../../src/remotecommand/serve-exec.ts';
import { streamExec, UpgradeError } from '../../../src/remotecommand/websocket-client.ts';
import { exitCodeFromStatus } from '../../../src/remotecommand/status.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { waitFor } from '../../../src/util/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'serve-exec-'));
const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
const sessions = new Set<Promise<unknown>>();
const server: Server = createServer((_req, res) => res.writeHead(404).end());
server.on('upgrade', (req, socket, head) => {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const flag = (k: string) => q.get(k) === 'true';
  const p = serveExec(req, socket, head, {
    // pipesOnly: an executor without terminals, as a runtime that has none
    executor: q.get('pipesOnly') ? { execInContainer: executor.execInContainer.bind(executor) } : executor,
    target: { container: dir, cmd: q.getAll('command') },
    options: { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') },
    idleTimeoutMs: Number(q.get('idleMs') ?? 0),
  });
  sessions.add(p);
  p.finally(() => sessions.delete(p));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
test.after(async () => {
  await waitFor(() => sessions.size === 0, { what: 'sessions to end' }).catch(() => {});
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const url = (cmd: string[], flags = 'stdout=true&stderr=true') => `${base}/exec?${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${flags}`;
function sink() {
  const chunks: Buffer[] = [];
  return { w: new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } }), text: () => Buffer.concat(chunks).toString() };
}
function pidsWith(marker: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker); } catch { return false; }
  }).map(Number);
}

// A sleep no other test runs: its argv is the marker once exec has replaced the shell.
const uniqueSleep = () => `sleep ${100000 + Math.floor(Math.random() * 899999)}`;

// A raw client that records every message and the close code.
function raw(u: string, protocols: string[] | undefined, onOpen?: (ws: WebSocket) => void) {
  const ws = new WebSocket(u.replace('http:', 'ws:'), protocols);
  const messages: { binary: boolean; data: Buffer }[] = [];
  ws.on('message', (data: Buffer, binary) => messages.push({ binary, data }));
  if (onOpen) ws.on('open', () => onOpen(ws));
  const closed = new Promise<{ code: number; protocol: string }>((resolve, reject) => {
    ws.on('close', (code) => resolve({ code, protocol: ws.protocol }));
    ws.on('error', reject);
  });
  return { ws, messages, closed };
}

test('v5 on the wire: empty stdout message first, output, Status last, close 1000', async () => {
  const c = raw(url(['sh', '-c', 'printf out; printf err >&2']), ['v5.channel.k8s.io']);
  const { code, protocol } = await c.closed;
  assert.equal(protocol, 'v5.channel.k8s.io');
  assert.equal(code, 1000);
  assert.ok(c.messages.every((m) => m.binary));
  const hex = c.messages.map((m) => m.data.toString('hex'));
  assert.equal(hex[0], '01');
  assert.ok(hex.includes('016f7574') && hex.includes('02657272'), hex.join(' '));
  assert.equal(c.messages.at(-1)!.data.toString(), '\x03{"metadata":{},"status":"Success"}');
});

test('pings are answered (client-go gives up after 61 s without a pong)', async () => {
  const marker = uniqueSleep();
  const c = raw(url(['sh', '-c', `echo ready; exec ${marker}`]), ['v5.channel.k8s.io']);
  await waitFor(() => c.messages.some((m) => m.data.toString() === '\x01ready\n'), { what: 'ready' });
  const pong = new Promise<Buffer>((resolve) => c.ws.once('pong', resolve));
  c.ws.ping(Buffer.from('k8s'));
  assert.equal((await pong).toString(), 'k8s');
  c.ws.terminate();
  await waitFor(() => pidsWith(marker).length === 0, { what: 'process killed', timeoutMs: 5000 });
});

test('streamExec: stdout and stderr apart, exact exit codes', async () => {
  for (const n of [0, 1, 42, 255]) {
    const out = sink(), err = sink();
    const status = await streamExec(url(['sh', '-c', `echo to-out; echo to-err >&2; exit ${n}`]), { stdout: out.w, stderr: err.w, tty: false });
    assert.equal(exitCodeFromStatus(status), n);
    assert.deepEqual([out.text(), err.text()], ['to-out\n', 'to-err\n']);
  }
});

test('stdin to cat, ended by the v5 close signal', async () => {
  const out = sink();
  const stdin = new PassThrough();
  stdin.end('hello\nworld\n');
  const status = await streamExec(url(['cat'], 'stdin=true&stdout=true&stderr=true'), { stdin, stdout: out.w, tty: false, protocols: ['v5.channel.k8s.io'] });
  assert.equal(status.status, 'Success');
  assert.equal(out.text(), 'hello\nworld\n');
});

test("the client's order picks the protocol: v4 JSON status, base64 text frames, no header is channel.k8s.io", async () => {
  const v4 = raw(url(['sh', '-c', 'exit 3']), ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
  assert.equal((await v4.closed).protocol, 'v4.channel.k8s.io');
  assert.match(v4.messages.at(-1)!.data.toString(), /^\x03\{.*"reason":"NonZeroExitCode".*"message":"3"/);

  const b64 = raw(url(['printf', 'hi']), ['v3.channel.k8s.io', 'v4.base64.channel.k8s.io']);
  assert.equal((await b64.closed).protocol, 'v4.base64.channel.k8s.io');
  assert.deepEqual(b64.messages.map((m) => [m.binary, m.data.toString()]), [[false, '1'], [false, '1aGk='], [false, '3eyJtZXRhZGF0YSI6e30sInN0YXR1cyI6IlN1Y2Nlc3MifQ==']]);

  const none = raw(url(['sh', '-c', 'echo x; exit 2']), undefined);
  assert.equal((await none.closed).code, 1000);
  assert.deepEqual(none.messages.map((m) => m.data.toString()), ['\x01', '\x01x\n', '\x03command terminated with non-zero exit code: exit status 2']);
  const ok = raw(url(['true']), ['channel.k8s.io']);
  await ok.closed;
  assert.deepEqual(ok.messages.map((m) => m.data.toString('hex')), ['01']); // v1: nothing on success
});

test('a command that cannot start: InternalError on channel 3', async () => {
  const status = await streamExec(url(['no-such-cmd-q']), { tty: false });
  assert.equal(status.reason, 'InternalError');
  assert.equal(status.code, 500);
  assert.equal(status.message, 'Internal error occurred: error executing command in container: exec: "no-such-cmd-q": executable file not found in $PATH');
  assert.throws(() => exitCodeFromStatus(status), /^Error: Internal error occurred: error executing command/);
});

test('refusals before the upgrade are Status responses: none of our protocols (403), SPDY (400), tty (400)', async () => {
  const e1 = await streamExec(url(['true']), { tty: false, protocols: ['v3.channel.k8s.io'] }).catch((e) => e);
  assert.ok(e1 instanceof UpgradeError);
  assert.equal(e1.statusCode, 403);
  assert.equal(e1.status?.reason, 'Forbidden');

  const tty = await streamExec(url(['sh'], 'stdin=true&stdout=true&tty=true&pipesOnly=1'), { tty: true }).catch((e) => e);
  assert.equal(tty.statusCode, 400);
  assert.equal(tty.status?.message, 'a terminal (tty=true, kubectl exec -t) is not served by this runtime; run the command without -t');

  const spdy = await new Promise<{ code: number; body: string }>((resolve, reject) => {
    const req = request(url(['date']), { method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io', 'Content-Length': '0' } });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('response', (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve({ code: res.statusCode ?? 0, body: b })); });
    req.on('error', reject);
    req.end();
  });
  assert.equal(spdy.code, 400);
  assert.deepEqual(JSON.parse(spdy.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'SPDY is not served yet: this server speaks remotecommand over WebSocket only (SPDY arrives in chapter 8)', reason: 'BadRequest', code: 400 });
});

test('a client that disconnects mid-stream leaves no process behind', async () => {
  const marker = uniqueSleep();
  const c = raw(url(['sh', '-c', `echo ready; exec ${marker}`]), ['v5.channel.k8s.io']);
  await waitFor(() => c.messages.some((m) => m.data.toString() === '\x01ready\n'), { what: 'ready' });
  assert.equal(pidsWith(marker).length, 1);
  c.ws.terminate();
  await waitFor(() => pidsWith(marker).length === 0, { what: 'process killed', timeoutMs: 5000 });
});

test('a malformed close signal ends the session with 1002 and kills the command', async () => {
  const marker = uniqueSleep();
  const c = raw(url(['sh', '-c', `echo ready; exec ${marker}`], 'stdin=true&stdout=true'), ['v5.channel.k8s.io']);
  await waitFor(() => c.messages.some((m) => m.data.toString() === '\x01ready\n'), { what: 'ready' });
  assert.equal(pidsWith(marker).length, 1);
  c.ws.send(Buffer.from([255]));
  assert.equal((await c.closed).code, 1002);
  assert.match(c.messages.at(-1)!.data.toString(), /malformed close signal/);
  await waitFor(() => pidsWith(marker).length === 0, { what: 'process killed', timeoutMs: 5000 });
});

test('backpressure: a client that stops reading stalls the process, then gets every byte', async () => {
  const total = 64 << 20;
  let received = 0;
  const c = raw(url(['head', '-c', String(total), '/dev/zero'], 'stdout=true'), ['v5.channel.k8s.io'], (ws) => ws.pause());
  c.ws.on('message', (d: Buffer) => { received += d.length - 1; });
  const head = await waitFor(() => {
    const pid = pidsWith(`head -c ${total} /dev/zero`)[0];
    return pid !== undefined && /pipe_write|sock_alloc_send|wait_for_space/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8')) && pid;
  }, { what: 'head blocked writing' });
  // What head managed to write is bounded by the server's high-water mark plus kernel buffers.
  const written = Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${head}/io`, 'utf8'))![1]);
  assert.ok(written < 24 << 20, `head wrote ${written} bytes while nobody read: output was buffered, not paused`);
  c.ws.resume();
  assert.equal((await c.closed).code, 1000);
  assert.equal(received - '{"metadata":{},"status":"Success"}'.length, total);
});

test('a message over the limit: close 1009 with a reason that names the limit, and the command is killed', async () => {
  const marker = uniqueSleep();
  const c = raw(url(['sh', '-c', `echo ready; exec ${marker}`], 'stdin=true&stdout=true'), ['v5.channel.k8s.io']);
  await waitFor(() => c.messages.some((m) => m.data.toString() === '\x01ready\n'), { what: 'ready' });
  let reason = '';
  c.ws.on('close', (_code, r) => { reason = r.toString(); });
  c.ws.send(Buffer.alloc((4 << 20) + 2)); // channel 0, one byte over 4 MiB of stdin
  assert.equal((await c.closed).code, 1009);
  assert.equal(reason, 'the limit is 4194304 bytes per message');
  await waitFor(() => pidsWith(marker).length === 0, { what: 'process killed', timeoutMs: 5000 });
});

// A handshake written by hand, so that its headers can be wrong; returns the status line, the headers and the rest.
async function handshake(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: string; head: string; rest: Buffer }> {
  const { port } = new URL(base);
  const sock = connect(Number(port), '127.0.0.1');
  const chunks: Buffer[] = [];
  // The server's close frame (1000) ends our part too: a FIN, no close frame of ours needed.
  sock.on('data', (c) => { chunks.push(c); if (Buffer.concat(chunks).includes(Buffer.from([0x88, 0x02, 0x03, 0xe8]))) sock.end(); });
  sock.on('error', () => {});
  const all = { Host: 'x', Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers };
  sock.write(`${method} ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  await once(sock, 'close');
  const got = Buffer.concat(chunks);
  const end = got.indexOf('\r\n\r\n');
  const head = got.subarray(0, end).toString('latin1');
  return { status: head.split('\r\n')[0]!, head, rest: got.subarray(end + 4) };
}
const pathOf = (u: string) => u.slice(base.length);

// Regression (issue 8): an empty Sec-WebSocket-Protocol got ws's HTML "400 Invalid Sec-WebSocket-Protocol header".
test('an empty Sec-WebSocket-Protocol header is no offer: plain channel.k8s.io, as x/net/websocket reads it', async () => {
  for (const value of ['', '  ']) {
    const r = await handshake(pathOf(url(['echo', 'hi'], 'stdout=true')), { 'Sec-WebSocket-Protocol': value });
    assert.equal(r.status, 'HTTP/1.1 101 Switching Protocols');
    assert.doesNotMatch(r.head, /sec-websocket-protocol/i);
    // channel.k8s.io: the empty greeting on stdout, "hi\n" on stdout, nothing on channel 3 for success, close 1000.
    assert.equal(r.rest.toString('hex'), ['820101', '820401' + Buffer.from('hi\n').toString('hex'), '880203e8'].join(''));
  }
});

test('a malformed handshake is refused with a Status, never an HTML page', async () => {
  const p = pathOf(url(['true'], 'stdout=true'));
  const cases: [Record<string, string>, string, number, RegExp][] = [
    [{ 'Sec-WebSocket-Key': 'short' }, 'GET', 400, /missing or invalid Sec-WebSocket-Key/],
    [{ 'Sec-WebSocket-Version': '7' }, 'GET', 400, /unsupported Sec-WebSocket-Version/],
    [{}, 'PUT', 405, /a WebSocket handshake is a GET, not a PUT/],
  ];
  for (const [headers, method, code, message] of cases) {
    const r = await handshake(p, headers, method);
    assert.match(r.status, new RegExp(`^HTTP/1\\.1 ${code} `));
    assert.match(r.head, /Content-Type: application\/json/);
    const status = JSON.parse(r.rest.toString());
    assert.equal(status.code, code);
    assert.match(status.message, message);
  }
});

test('streamExec: a stdin that fails to read ends like EOF (cat ends), never as an unhandled error', async () => {
  const stdin = new PassThrough();
  const out = sink();
  const done = streamExec(url(['cat'], 'stdin=true&stdout=true'), { stdin, stdout: out.w, tty: false });
  stdin.write('before the failure\n');
  await waitFor(() => out.text() === 'before the failure\n', { what: 'the first line back' });
  stdin.destroy(Object.assign(new Error('read EIO'), { code: 'EIO' }));
  const status = await done;
  assert.deepEqual([status.status, out.text()], ['Success', 'before the failure\n']);
});

// Regression (issue 8): 200,000 bad frames wrote 200,000 log lines. Now: five, then one line with the count.
test('a flood of bad frames: a handful of log lines per session, then the count when it ends', async (t) => {
  const lines: string[] = [];
  const logged = createServer();
  logged.on('upgrade', (req, socket, head) => void serveExec(req, socket, head, {
    executor, target: { container: dir, cmd: ['cat'] }, options: { stdin: true, stdout: true, stderr: false, tty: false }, log: (l) => lines.push(l),
  }));
  await new Promise<void>((r) => logged.listen(0, '127.0.0.1', r));
  t.after(() => { logged.closeAllConnections(); logged.close(); });
  const c = raw(`http://127.0.0.1:${(logged.address() as AddressInfo).port}/exec`, ['v5.channel.k8s.io']);
  await once(c.ws, 'open');
  for (let i = 0; i < 20_000; i++) c.ws.send('bad', { binary: false }); // v5 has no text messages
  c.ws.send(Buffer.from([255, 0])); // then stdin EOF: cat ends, the session closes
  assert.equal((await c.closed).code, 1000);
  await waitFor(() => lines.some((l) => l.startsWith('dropped 19995 more')), { what: 'the count line' });
  assert.deepEqual(lines.filter((l) => l.startsWith('dropped')).length, 6);
  assert.equal(lines.at(-1), 'dropped 19995 more messages (20000 in all)');
});

// StreamIdleTimeout with a small value injected (the real one is 4 h): silence ends the session, talk keeps it.
test('stream idle timeout: a silent session is cut off and its process killed; each message pushes the deadline on', async (t) => {
  const marker = uniqueSleep();
  const silent = raw(url(['sh', '-c', `exec ${marker}`], 'stdout=true&idleMs=300'), ['v5.channel.k8s.io']);
  t.after(() => silent.ws.terminate()); // should the timeout not work, the test fails instead of hanging
  await waitFor(() => pidsWith(marker).length === 1, { what: 'the command to start' });
  let code: number | undefined;
  void silent.closed.then((c) => { code = c.code; });
  await waitFor(() => code !== undefined, { timeoutMs: 5000, what: 'the silent session to be cut off' });
  assert.equal(code, 1006, 'no close frame: the connection just ends, as when the real deadline passes');
  await waitFor(() => pidsWith(marker).length === 0, { what: `${marker} to be killed` });

  // stdin every 100 ms for 1.5 s (five idle periods): still open, every line echoed; then silence ends it.
  let stopped = false;
  const chatty = raw(url(['cat'], 'stdin=true&stdout=true&idleMs=300'), ['v5.channel.k8s.io'], (ws) => {
    let n = 0;
    const tick = setInterval(() => {
      if (++n > 15) { clearInterval(tick); stopped = true; return; }
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(`line ${n}\n`)]));
    }, 100);
  });
  t.after(() => chatty.ws.terminate());
  await waitFor(() => stopped, { timeoutMs: 10_000, what: 'fifteen lines sent' });
  assert.equal(chatty.ws.readyState, WebSocket.OPEN, 'talk keeps the session open past the idle timeout');
  await waitFor(() => chatty.ws.readyState === WebSocket.CLOSED, { timeoutMs: 5000, what: 'silence to end the chatty session' });
  const out = Buffer.concat(chatty.messages.filter((m) => m.data[0] === 1).map((m) => m.data.subarray(1))).toString();
  assert.equal(out, Array.from({ length: 15 }, (_, i) => `line ${i + 1}\n`).join(''));
});

// #47990: the client sends its size before anything else, so the command starts at that size; later sizes follow.
test('tty: one merged stream from a pseudo-terminal, the initial size and a resize on channel 4', async () => {
  const out = sink();
  const stdin = new PassThrough();
  let resize: ((s: { width: number; height: number }) => void) | undefined;
  const done = streamExec(url(['sh', '-c', 'stty size; echo err >&2; while read x; do stty size; done; exit 5'], 'stdin=true&stdout=true&tty=true'), {
    stdin, stdout: out.w, tty: true,
    resize: { initial: { width: 120, height: 40 }, watch: (send) => { resize = send; return () => { resize = undefined; }; } },
  });
  await waitFor(() => out.text().includes('err'), { what: 'the first size and stderr on the terminal' });
  assert.equal(out.text(), '40 120\r\nerr\r\n');
  resize!({ width: 100, height: 30 });
  // The size is applied by the session's resize loop, a hop behind the message: ask (a line for `read`) until the
  // terminal has it, as a person would look again. Then Ctrl-D ends the loop.
  await waitFor(() => { stdin.write('go\r'); return /30 100\r\n$/.test(out.text()); }, { intervalMs: 50, timeoutMs: 10_000, what: 'the resize to reach the terminal' });
  stdin.write('\x04');
  const status = await done;
  assert.equal(exitCodeFromStatus(status), 5);
  assert.match(out.text(), /30 100\r\n$/);
  assert.equal(resize, undefined, 'the size watch ends with the session');
});
