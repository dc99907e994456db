// serveExecSpdy and serveRemoteCommand against a hand-driven SPDY client (S1's connection as the client): every version, stdin EOF, tty+resize, refusals, timeouts, clients that leave, stop reading or send garbage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { WebSocket } from 'ws';
import { SpdyConnection, type SpdyStream } from '../../../src/spdy/connection.ts';
import { serveRemoteCommand } from '../../../src/remotecommand/serve-stream.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { StreamingServer } from '../../../src/streaming/server.ts';
import { waitFor } from '../../../src/util/wait.ts';
import type { Status } from '../../../src/api/status.ts';

const dir = mkdtempSync(join(tmpdir(), 'spdy-serve-exec-'));
const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
// What each serveRemoteCommand resolved with, by the request's id= query parameter.
const results = new Map<string, Status | undefined>();
const sessions = new Set<Promise<unknown>>();
const serverLog: string[] = [];
const server: Server = createServer((_req, res) => res.writeHead(404).end());
server.on('upgrade', (req, socket, head) => {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const flag = (k: string) => q.get(k) === 'true';
  const p = serveRemoteCommand(req, socket, head, {
    executor: q.get('pipesOnly') ? { execInContainer: executor.execInContainer.bind(executor) } : executor,
    target: { container: dir, cmd: q.getAll('command') },
    options: { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') },
    idleTimeoutMs: Number(q.get('idleMs') ?? 0),
    streamCreationTimeoutMs: Number(q.get('createMs') ?? 30_000),
    log: (line) => serverLog.push(line),
  });
  sessions.add(p);
  const id = q.get('id') ?? '';
  void p.then((s) => results.set(id, s), (err) => { serverLog.push(`THREW ${err}`); results.set(id, undefined); }).finally(() => sessions.delete(p));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
test.after(async () => {
  await waitFor(() => sessions.size === 0, { what: 'sessions to end', timeoutMs: 20_000 }).catch(() => {});
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

let lastId = '';
const path = (cmd: string[], flags = 'stdout=true&stderr=true') => {
  lastId = String(randomInt(1e9));
  return `/exec?${cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&${flags}&id=${lastId}`;
};
const ALL = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

// The upgrade request as client-go writes it; resolves with the response head and the socket after it.
async function upgrade(p: string, protocols: string[] | undefined, extra: string[] = [], to = port): Promise<{ status: number; head: string; body: string; socket: Socket; rest: Buffer }> {
  const socket = connect(to, '127.0.0.1');
  socket.on('error', () => {});
  socket.write([`POST ${p} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Content-Length: 0', 'Connection: Upgrade', 'Upgrade: SPDY/3.1',
    ...(protocols ?? []).map((v) => `X-Stream-Protocol-Version: ${v}`), ...extra, '', ''].join('\r\n'));
  let buf = Buffer.alloc(0);
  for (;;) {
    const [chunk] = await Promise.race([once(socket, 'data'), once(socket, 'end').then(() => [null])]) as [Buffer | null];
    if (chunk) buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end >= 0 || !chunk) {
      const head = buf.subarray(0, end < 0 ? buf.length : end).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0);
      let rest = end < 0 ? Buffer.alloc(0) : buf.subarray(end + 4);
      if (status !== 101) {
        // A refusal: read the body to the end.
        while (!socket.readableEnded && !socket.destroyed) {
          const [c] = await Promise.race([once(socket, 'data'), once(socket, 'close').then(() => [null])]) as [Buffer | null];
          if (!c) break;
          rest = Buffer.concat([rest, c]);
        }
        socket.pause();
      } else socket.pause();
      return { status, head, body: rest.toString(), socket, rest };
    }
  }
}

interface Client { conn: SpdyConnection; protocol: string; head: string; streams: Record<string, SpdyStream>; text: Record<string, () => string>; ended: Record<string, Promise<void>> }

// client-go's order: error, stdin, stdout, stderr (not with tty), resize (v3+ with tty), each after the previous reply.
async function client(p: string, protocols: string[], types: string[], to = port): Promise<Client> {
  const u = await upgrade(p, protocols, [], to);
  assert.equal(u.status, 101, u.head + u.body);
  const conn = new SpdyConnection(u.socket, { role: 'client' }, u.rest);
  u.socket.resume();
  const protocol = /\r\nX-Stream-Protocol-Version: (.*)/i.exec(u.head)?.[1] ?? '';
  const streams: Record<string, SpdyStream> = {};
  const text: Record<string, () => string> = {};
  const ended: Record<string, Promise<void>> = {};
  for (const type of types) {
    const s = await conn.createStream({ streamtype: type });
    s.on('error', () => {});
    streams[type] = s;
    const chunks: Buffer[] = [];
    if (type !== 'stdin' && type !== 'resize') s.on('data', (c: Buffer) => chunks.push(c));
    text[type] = () => Buffer.concat(chunks).toString();
    ended[type] = new Promise((r) => { s.once('end', r); s.once('close', r); });
  }
  return { conn, protocol, head: u.head, streams, text, ended };
}

function pidsWith(marker: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker); } catch { return false; }
  }).map(Number);
}
const uniqueSleep = () => `sleep ${randomInt(100000, 999999)}`;
// What the server resolved with for the last request made.
const lastResult = async () => { const id = lastId; await waitFor(() => results.has(id), { what: 'the server to finish', timeoutMs: 20_000 }); return results.get(id); };

test('v4 (client-go offers v5 first; a SPDY server has none): output on stdout and stderr, the JSON Status with the exit code, then the server closes', async () => {
  const c = await client(path(['sh', '-c', 'printf out; printf err >&2; exit 3']), ALL, ['error', 'stdout', 'stderr']);
  assert.equal(c.protocol, 'v4.channel.k8s.io');
  await c.conn.closed;
  assert.equal(c.text.stdout!(), 'out');
  assert.equal(c.text.stderr!(), 'err');
  const status = JSON.parse(c.text.error!());
  assert.deepEqual(status, {
    metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: exit status 3', reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  assert.equal((await lastResult())?.reason, 'NonZeroExitCode');
});

test('v4 writes Success too', async () => {
  const c = await client(path(['true'], 'stdout=true'), ['v4.channel.k8s.io'], ['error', 'stdout']);
  await c.conn.closed;
  assert.equal(c.text.error!(), '{"metadata":{},"status":"Success"}');
});

for (const v of ['v3.channel.k8s.io', 'v2.channel.k8s.io']) {
  test(`${v}: plain text on the error stream, only on failure`, async () => {
    const fail = await client(path(['sh', '-c', 'exit 7']), [v], ['error', 'stdout', 'stderr']);
    assert.equal(fail.protocol, v);
    await fail.conn.closed;
    assert.equal(fail.text.error!(), 'command terminated with non-zero exit code: exit status 7');
    const ok = await client(path(['echo', 'hi']), [v], ['error', 'stdout', 'stderr']);
    await ok.conn.closed;
    assert.equal(ok.text.stdout!(), 'hi\n');
    assert.equal(ok.text.error!(), '');
  });
}

test('v1 (channel.k8s.io) keeps the 1.0 kubelet\'s bugs: its error stream is reset at setup, its side of stdin half-closed', async () => {
  const c = await client(path(['sh', '-c', 'cat; exit 5'], 'stdin=true&stdout=true&stderr=true'), ['channel.k8s.io'], ['error', 'stdin', 'stdout', 'stderr']);
  assert.equal(c.protocol, 'channel.k8s.io');
  // The server's FIN on stdin: our reading side of that stream ends while we can still write.
  const stdinReadEnd = new Promise((r) => c.streams.stdin!.once('end', r));
  c.streams.stdin!.resume();
  await stdinReadEnd;
  c.streams.stdin!.end('from v1\n');
  await c.conn.closed;
  assert.equal(c.text.stdout!(), 'from v1\n');
  assert.equal(c.text.error!(), '', 'the failure never reaches a v1 client');
  assert.equal((await lastResult())?.reason, 'NonZeroExitCode');
});

test('stdin EOF is the client\'s FIN on the stdin stream: cat ends, its output arrives whole', async () => {
  const c = await client(path(['cat'], 'stdin=true&stdout=true&stderr=true'), ALL, ['error', 'stdin', 'stdout', 'stderr']);
  const big = Buffer.alloc(300_000, 'abcdefghij');
  c.streams.stdin!.write(big);
  c.streams.stdin!.end('end\n');
  await c.conn.closed;
  assert.equal(c.text.stdout!().length, big.length + 4);
  assert.ok(c.text.stdout!().endsWith('end\n'));
  assert.equal(c.text.error!(), '{"metadata":{},"status":"Success"}');
});

test('tty on v4: no stderr stream, a resize stream; the first size reaches the terminal', async () => {
  const c = await client(path(['sh', '-c', 'stty size'], 'stdin=true&stdout=true&tty=true'), ['v4.channel.k8s.io'], ['error', 'stdin', 'stdout', 'resize']);
  c.streams.resize!.write('{"Width":123,"Height":45}\n');
  await c.conn.closed;
  assert.match(c.text.stdout!(), /^45 123\r?\n/);
  assert.equal(c.text.error!(), '{"metadata":{},"status":"Success"}');
});

test('tty on v2: no resize stream is expected (v3 added it); the session starts without one', async () => {
  const c = await client(path(['echo', 'no-resize'], 'stdout=true&tty=true'), ['v2.channel.k8s.io'], ['error', 'stdout']);
  await c.conn.closed;
  assert.match(c.text.stdout!(), /^no-resize\r?\n/);
});

test('a stream of an unknown type is replied to and not counted; one opened after setup is refused', async () => {
  const c = await client(path(['sh', '-c', `exec ${uniqueSleep()}`], 'stdout=true'), ['v4.channel.k8s.io'], ['bogus', 'error', 'stdout']);
  assert.ok(serverLog.some((l) => l === 'unexpected stream type: "bogus"'), serverLog.join('\n'));
  await assert.rejects(c.conn.createStream({ streamtype: 'stdin' }));
  c.conn.destroy();
  assert.equal(await lastResult(), undefined);
});

test('a client that does not create its streams in time: upstream\'s words, told on the error stream, connection closed', async () => {
  const c = await client(path(['true'], 'stdin=true&stdout=true&createMs=300'), ['v4.channel.k8s.io'], ['error']);
  await c.conn.closed;
  const status = JSON.parse(c.text.error!());
  assert.equal(status.reason, 'InternalError');
  assert.equal(status.message, 'Internal error occurred: timed out waiting for client to create streams');
  assert.equal(await lastResult(), undefined);
  assert.ok(serverLog.includes('timed out waiting for client to create streams'));
});

test('refusals before the upgrade: 400 without X-Stream-Protocol-Version, 403 with the accepted list, 400 for tty on a runtime without terminals', async () => {
  const none = await upgrade(path(['true']), undefined);
  assert.equal(none.status, 400);
  assert.match(none.body, /^unable to upgrade: header X-Stream-Protocol-Version does not exist in request with \d+ headers\n$/);
  const v5 = await upgrade(path(['true']), ['v5.channel.k8s.io']);
  assert.equal(v5.status, 403);
  assert.deepEqual([...v5.head.matchAll(/\r\nX-Accepted-Stream-Protocol-Versions: (.*)/g)].map((m) => m[1]),
    ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
  const tty = await upgrade(path(['sh'], 'stdin=true&stdout=true&tty=true&pipesOnly=1'), ALL);
  assert.equal(tty.status, 400);
  assert.equal(JSON.parse(tty.body).message, 'a terminal (tty=true, kubectl exec -t) is not served by this runtime; run the command without -t');
});

test('a client that leaves mid-command: the process is killed, the server carries on', async () => {
  const sleep = uniqueSleep();
  const c = await client(path(['sh', '-c', `exec ${sleep}`], 'stdout=true'), ['v4.channel.k8s.io'], ['error', 'stdout']);
  await waitFor(() => pidsWith(sleep).length === 1, { what: 'the sleep to start', timeoutMs: 10_000 });
  c.conn.destroy();
  await waitFor(() => pidsWith(sleep).length === 0, { what: 'the sleep to be killed', timeoutMs: 10_000 });
  assert.equal(await lastResult(), undefined);
});

// Blocked in write(): on a pipe, or a socket, that is full.
const blockedWriting = (pid: number) => /pipe_write|sock_alloc_send|wait_for_space/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'));

test('backpressure: a client that stops reading stalls the process, then gets every byte', async () => {
  const total = 64 << 20;
  const c = await client(path(['head', '-c', String(total), '/dev/zero'], 'stdout=true'), ['v4.channel.k8s.io'], ['error']);
  const stdout = await c.conn.createStream({ streamtype: 'stdout' });
  stdout.on('error', () => {});
  stdout.pause();
  const head = await waitFor(() => {
    const pid = pidsWith(`head -c ${total} /dev/zero`)[0];
    return pid !== undefined && blockedWriting(pid) && pid;
  }, { what: 'head blocked writing', timeoutMs: 20_000 });
  const written = Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${head}/io`, 'utf8'))![1]);
  assert.ok(written < 24 << 20, `head wrote ${written} bytes while nobody read: output was buffered, not paused`);
  let received = 0;
  stdout.on('data', (d: Buffer) => { received += d.length; });
  stdout.resume();
  await c.conn.closed;
  assert.equal(received, total);
  assert.equal(c.text.error!(), '{"metadata":{},"status":"Success"}');
});

test('a client that stops reading, then disconnects: the process is killed', async () => {
  const marker = `yes spdy-${randomInt(100000, 999999)}`;
  const c = await client(path(['sh', '-c', `exec ${marker}`], 'stdout=true'), ['v4.channel.k8s.io'], ['error']);
  const stdout = await c.conn.createStream({ streamtype: 'stdout' });
  stdout.on('error', () => {});
  stdout.pause();
  await waitFor(() => { const [pid] = pidsWith(marker); return pid !== undefined && blockedWriting(pid); }, { what: 'yes blocked writing', timeoutMs: 20_000 });
  c.conn.destroy();
  await waitFor(() => pidsWith(marker).length === 0, { what: 'yes to be killed', timeoutMs: 10_000 });
  assert.equal(await lastResult(), undefined);
});

test('garbage after the 101 ends that connection only', async () => {
  const sleep = uniqueSleep();
  const u = await upgrade(path(['sh', '-c', `exec ${sleep}`], 'stdout=true'), ['v4.channel.k8s.io']);
  assert.equal(u.status, 101);
  u.socket.resume();
  // A control frame of a type spdystream does not know (11), then junk: spdystream's read loop fails at once.
  u.socket.write(Buffer.concat([Buffer.from([0x80, 0x03, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x04, 1, 2, 3, 4]), Buffer.from('this is not SPDY \x00\xff')]));
  await once(u.socket, 'close');
  assert.equal(await lastResult(), undefined);
  assert.deepEqual(pidsWith(sleep), []);
  const c = await client(path(['echo', 'still here'], 'stdout=true'), ['v4.channel.k8s.io'], ['error', 'stdout']);
  await c.conn.closed;
  assert.equal(c.text.stdout!(), 'still here\n');
});

test('the idle timeout ends a silent session and its process', async () => {
  const sleep = uniqueSleep();
  const c = await client(path(['sh', '-c', `exec ${sleep}`], 'stdout=true&idleMs=500'), ['v4.channel.k8s.io'], ['error', 'stdout']);
  await c.conn.closed;
  await waitFor(() => pidsWith(sleep).length === 0, { what: 'the sleep to be killed', timeoutMs: 10_000 });
  assert.equal(await lastResult(), undefined);
});

test('serveRemoteCommand: WebSocket v4 is served, a v5-only offer is refused 403 with the upstream set named, other upgrades 400', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path(['echo', 'ws'], 'stdout=true')}`, ['v4.channel.k8s.io']);
  const messages: Buffer[] = [];
  ws.on('message', (d: Buffer) => messages.push(d));
  const [code] = await once(ws, 'close');
  assert.equal(code, 1000);
  assert.equal(ws.protocol, 'v4.channel.k8s.io');
  assert.equal(messages.at(-1)!.toString(), '\x03{"metadata":{},"status":"Success"}');

  const v5 = new WebSocket(`ws://127.0.0.1:${port}${path(['true'])}`, ['v5.channel.k8s.io']);
  v5.on('error', () => {});
  const [, res] = await once(v5, 'unexpected-response');
  assert.equal(res.statusCode, 403);
  let body = '';
  for await (const c of res) body += c;
  assert.equal(JSON.parse(body).message, 'unable to upgrade: none of the offered subprotocols [v5.channel.k8s.io] is supported; this server speaks v4.channel.k8s.io, v4.base64.channel.k8s.io, channel.k8s.io, base64.channel.k8s.io');
  v5.terminate();

  const other = connect(port, '127.0.0.1');
  other.write(`GET ${path(['true'])} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`);
  let answer = '';
  other.on('data', (c) => { answer += c; });
  await once(other, 'close');
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).message, 'Upgrade request required');
});

test('the streaming server told to serve upstream\'s sets: a cached exec over SPDY, its StreamCreationTimeout reaching the session', async (t) => {
  const log: string[] = [];
  const streaming = new StreamingServer({ executor, serveStream: serveRemoteCommand, streamCreationTimeoutMs: 300, log: (l) => log.push(l) });
  const base = await streaming.start();
  t.after(() => streaming.close());
  const at = Number(base.port);
  const exec = (cmd: string[]) => new URL(streaming.getExec({ container_id: dir, cmd, stdin: false, stdout: true, stderr: false, tty: false })).pathname;
  const c = await client(exec(['echo', 'via the cache']), ALL, ['error', 'stdout'], at);
  await c.conn.closed;
  assert.equal(c.protocol, 'v4.channel.k8s.io');
  assert.equal(c.text.stdout!(), 'via the cache\n');
  assert.equal(c.text.error!(), '{"metadata":{},"status":"Success"}');
  const slow = await client(exec(['true']), ALL, ['error'], at);
  await slow.conn.closed;
  assert.equal(JSON.parse(slow.text.error!()).message, 'Internal error occurred: timed out waiting for client to create streams');
  // v5 over WebSocket ends at the API server in upstream's shape: this server refuses it.
  const ws = new WebSocket(`ws://127.0.0.1:${at}${exec(['true'])}`, ['v5.channel.k8s.io']);
  ws.on('error', () => {});
  const [, res] = await once(ws, 'unexpected-response');
  assert.equal(res.statusCode, 403);
  res.resume();
  ws.terminate();
});
