// The upgrade-aware proxy over real loopback sockets: a 101 joins the connections; a refusal is relayed and
// the backend connection is closed, so bytes a client sends afterwards never reach it (CVE-2018-1002105).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, connect, type Socket, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { UpgradeAwareProxy, describeDialError, type UpgradeAwareProxyOptions } from '../../../src/proxy/upgrade-aware.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { encodeCloseFrame } from '../../../src/proxy/ws-frames.ts';
import { connectWithRedirects } from '../../../src/streaming/redirect-policy.ts';

// A raw TCP backend that records every byte it receives and answers each connection with `answer`.
async function fakeBackend(t: TestContext, answer: (sock: Socket, received: () => string) => void) {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createNetServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let answered = false;
    const mine: Buffer[] = [];
    sock.on('data', (chunk) => {
      received.push(chunk);
      mine.push(chunk);
      const text = Buffer.concat(mine).toString('latin1');
      if (!answered && text.includes('\r\n\r\n')) { answered = true; answer(sock, () => Buffer.concat(mine).toString('latin1')); }
    });
    sock.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { for (const s of sockets) s.destroy(); server.close(); });
  return { port: (server.address() as AddressInfo).port, bytes: () => Buffer.concat(received).toString('latin1'), sockets };
}

// The front: an HTTP server whose upgrade requests go through the proxy to `location`.
async function front(t: TestContext, location: string, opts: Partial<UpgradeAwareProxyOptions> = {}) {
  const sessions: Promise<void>[] = [];
  const server: Server = createHttpServer((_req, res) => { res.statusCode = 418; res.end(); });
  server.on('upgrade', (req, socket, head) => {
    sessions.push(new UpgradeAwareProxy(new URL(location), { hop: 'kubelet node-1', ...opts }).serveUpgrade(req, socket, head));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { port: (server.address() as AddressInfo).port, sessions };
}

// Sends `first`, then (after the response starts arriving) `later`; returns everything the client reads until close.
async function rawClient(port: number, first: string, later?: string): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  const got: Buffer[] = [];
  sock.on('data', (c) => {
    got.push(c);
    if (later !== undefined) { sock.write(later); later = undefined; }
  });
  sock.on('error', () => undefined);
  sock.write(first);
  await once(sock, 'close');
  return Buffer.concat(got).toString('latin1');
}

const upgradeRequest = (path = '/api/v1/namespaces/default/pods/p/exec?command=date') =>
  `GET ${path} HTTP/1.1\r\nHost: apiserver\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n';

test('a 101 joins the connections: the location path is used, upgrade headers are replayed, bytes flow both ways', async (t) => {
  const backend = await fakeBackend(t, (sock) => {
    sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
    // Echo everything after the head, upper-cased, then end.
    sock.removeAllListeners('data');
    sock.on('data', (c) => { if (c.toString().includes('bye')) sock.end('BYE'); else sock.write(c.toString().toUpperCase()); });
  });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c?command=date&output=1`);
  const sock = connect(fe.port, '127.0.0.1');
  t.after(() => sock.destroy());
  let got = '';
  sock.on('data', (c) => { got += c.toString('latin1'); });
  sock.write(upgradeRequest());
  await waitFor(() => got.includes('\r\n\r\n'), { what: '101' });
  assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(got, /Sec-WebSocket-Protocol: v5.channel.k8s.io/);
  sock.write('hello');
  await waitFor(() => got.endsWith('HELLO'), { what: 'echo through the proxy' });
  sock.write('bye');
  await once(sock, 'close');
  assert.ok(got.endsWith('BYE'));
  const req = backend.bytes();
  assert.match(req, /^GET \/exec\/default\/p\/c\?command=date&output=1 HTTP\/1\.1\r\n/);
  assert.match(req, /\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n/);
  assert.match(req, /\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n/);
  assert.match(req, /\r\nHost: 127\.0\.0\.1:\d+\r\n/);
  assert.match(req, /\r\nX-Forwarded-For: 127\.0\.0\.1\r\n/);
  await Promise.all(fe.sessions);
  await waitFor(() => backend.sockets.size === 0, { what: 'backend connection closed' });
});

test('CVE-2018-1002105: after the kubelet refuses a no-stream exec, bytes the client sends never reach it', async (t) => {
  // The known proof of concept: an exec the caller may make, asking for no stream at all. The API server
  // proxies it; the kubelet's NewOptions refuses it with a 400 in plain text and, being a Go HTTP server,
  // keeps the connection open for the next request. Before the fix, the API server had already joined
  // the client to that connection, and the next request went to the kubelet with the API server's credentials.
  const refusal = 'you must specify at least 1 of stdin, stdout, stderr';
  const backend = await fakeBackend(t, (sock) => {
    sock.write(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${refusal.length}\r\n\r\n${refusal}`);
  });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c?command=date`);
  const smuggled = 'GET /exec/kube-system/secret-pod/c?command=cat&command=/etc/secret&output=1 HTTP/1.1\r\nHost: x\r\nX-Smuggled: yes\r\n' +
    'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  // Pipelined in the same write as the upgrade request, and again once the refusal arrives. A proxy that
  // joined the connections would leave this one open: the deadline turns that into a failure, not a hang.
  const sock = connect(fe.port, '127.0.0.1');
  t.after(() => sock.destroy());
  let answer = '';
  let closed = false;
  let later: string | undefined = smuggled;
  sock.on('data', (c) => { answer += c.toString('latin1'); if (later) { sock.write(later); later = undefined; } });
  sock.on('error', () => undefined);
  sock.on('close', () => { closed = true; });
  sock.write(upgradeRequest() + smuggled);
  await waitFor(() => closed, { timeoutMs: 10_000, what: 'the client connection closed after the relayed refusal' });
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(answer, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  assert.match(answer, /\r\nConnection: close\r\n/);
  assert.ok(answer.endsWith(`\r\n\r\n${refusal}`), 'the refusal body is relayed, and nothing after it');
  await Promise.all(fe.sessions);
  await waitFor(() => backend.sockets.size === 0, { what: 'backend connection closed' });
  const seen = backend.bytes();
  assert.match(seen, /^GET \/exec\/default\/p\/c\?command=date HTTP/);
  assert.doesNotMatch(seen, /X-Smuggled|secret-pod/);
  assert.equal(seen.split('\r\n\r\n').length, 2, 'exactly one request head reached the backend');
});

test('a 403 refusal (an authorizing backend) is relayed and closed the same way', async (t) => {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'forbidden', reason: 'Forbidden', code: 403 });
  const backend = await fakeBackend(t, (sock) => {
    sock.write(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c?command=date&output=1`);
  const smuggled = 'GET /pods HTTP/1.1\r\nHost: x\r\nX-Smuggled: yes\r\n\r\n';
  const answer = await rawClient(fe.port, upgradeRequest() + smuggled, smuggled);
  assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.ok(answer.endsWith(body));
  await Promise.all(fe.sessions);
  await waitFor(() => backend.sockets.size === 0, { what: 'backend connection closed' });
  assert.doesNotMatch(backend.bytes(), /X-Smuggled/);
});

test('a 400 with a body and no Content-Length is relayed until the backend closes', async (t) => {
  const backend = await fakeBackend(t, (sock) => { sock.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nnope'); });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c`);
  const answer = await rawClient(fe.port, upgradeRequest());
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.ok(answer.endsWith('\r\n\r\nnope'));
});

test('a dead backend gives a Status naming the hop, in the words of the real API server', async (t) => {
  const probe = createNetServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const fe = await front(t, `http://127.0.0.1:${port}/exec/default/p/c`);
  const answer = await rawClient(fe.port, upgradeRequest());
  assert.match(answer, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
  const status = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
  assert.equal(status.kind, 'Status');
  assert.equal(status.code, 500);
  assert.equal(status.message, `kubelet node-1: error dialing backend: dial tcp 127.0.0.1:${port}: connect: connection refused`);
});

test('a redirect is not followed: it is an invalid upgrade response, and the backend connection is closed', async (t) => {
  const backend = await fakeBackend(t, (sock) => { sock.write('HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n'); });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c`);
  const answer = await rawClient(fe.port, upgradeRequest());
  assert.match(answer, /^HTTP\/1\.1 500 /);
  assert.match(answer, /kubelet node-1: invalid upgrade response: status code 302/);
  await waitFor(() => backend.sockets.size === 0, { what: 'backend connection closed' });
});

// The historical redirect mode, as the API server ran it (ConnectWithRedirects with RequireSameHostRedirects).
const redirectMode = { redirects: connectWithRedirects({ requireSameHostRedirects: true }) };

test('redirect mode: a 302 is followed as a GET, relative to the current location, and joined on its 101', async (t) => {
  const backend = await fakeBackend(t, (sock, received) => {
    if (received().startsWith('POST /first')) sock.end('HTTP/1.1 302 Found\r\nLocation: /second?x=1\r\nContent-Length: 0\r\n\r\n');
    else sock.end('HTTP/1.1 404 Not Found\r\nContent-Length: 6\r\n\r\nsecond');
  });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/first`, redirectMode);
  const answer = await rawClient(fe.port, upgradeRequest().replace(/^GET /, 'POST '));
  assert.match(answer, /^HTTP\/1\.1 404 Not Found/);
  assert.ok(answer.endsWith('second'));
  assert.match(backend.bytes(), /^POST \/first HTTP\/1\.1/, 'the first request keeps its method');
  assert.match(backend.bytes(), /GET \/second\?x=1 HTTP\/1\.1\r\n[^]*Upgrade: websocket/, 'the redirected one is a GET, with the same upgrade headers');
});

test('redirect mode: only 302 is followed; a 307 is refused like any answer below 400', async (t) => {
  const backend = await fakeBackend(t, (sock) => { sock.end('HTTP/1.1 307 Temporary Redirect\r\nLocation: /second\r\nContent-Length: 0\r\n\r\n'); });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/first`, redirectMode);
  const answer = await rawClient(fe.port, upgradeRequest());
  assert.match(answer, /kubelet node-1: invalid upgrade response: status code 307/);
  assert.doesNotMatch(backend.bytes(), /\/second/);
});

test('redirect mode: nine redirects are followed, the tenth is "too many redirects (10)"', async (t) => {
  let n = 0;
  const backend = await fakeBackend(t, (sock) => { n++; sock.end(`HTTP/1.1 302 Found\r\nLocation: /hop${n}\r\nContent-Length: 0\r\n\r\n`); });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/hop0`, redirectMode);
  const answer = await rawClient(fe.port, upgradeRequest());
  assert.match(answer, /^HTTP\/1\.1 500 /);
  assert.match(answer, /"message":"kubelet node-1: too many redirects \(10\)"/);
  assert.equal(n, 10, 'the first request and nine redirects, no eleventh dial');
});

test('redirect mode: a redirect to another host is an error, never passed on to the client (CVE-2020-8559)', async (t) => {
  const other = await fakeBackend(t, (sock) => { sock.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'); });
  const backend = await fakeBackend(t, (sock) => { sock.end(`HTTP/1.1 302 Found\r\nLocation: http://localhost:${other.port}/x\r\nContent-Length: 0\r\n\r\n`); });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/first`, redirectMode);
  const answer = await rawClient(fe.port, upgradeRequest());
  assert.match(answer, /^HTTP\/1\.1 500 /);
  assert.match(answer, /"message":"kubelet node-1: hostname mismatch: expected 127\.0\.0\.1, found localhost"/);
  assert.doesNotMatch(answer, /Location:/i);
  assert.equal(other.bytes(), '', 'the other host is never dialled');
});

test('a request without Connection: Upgrade is refused before anything is dialled', async (t) => {
  const backend = await fakeBackend(t, (sock) => { sock.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'); });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/x`);
  // Node only raises 'upgrade' when Connection says upgrade, so ask the proxy directly with a fake request.
  const answer = await rawClient(fe.port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 101/, 'a Connection list containing Upgrade is an upgrade');
  const { PassThrough } = await import('node:stream');
  const sock = new PassThrough();
  let out = '';
  sock.on('data', (c) => { out += c; });
  const fakeReq = { headers: { connection: 'keep-alive' }, rawHeaders: [], method: 'GET', socket: { remoteAddress: '127.0.0.1' } };
  const p = new UpgradeAwareProxy(new URL(`http://127.0.0.1:${backend.port}/x`), { hop: 'kubelet node-1' })
    .serveUpgrade(fakeReq as never, sock, Buffer.alloc(0));
  sock.end();
  await p;
  assert.match(out, /^HTTP\/1\.1 400 Bad Request/);
  assert.match(out, /Upgrade request required/);
});

test('dial errors read like Go net.OpError', () => {
  const url = new URL('http://127.0.0.1:10250/exec');
  assert.equal(describeDialError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), url), 'dial tcp 127.0.0.1:10250: connect: connection refused');
  assert.equal(describeDialError(Object.assign(new Error('odd'), { code: 'EWHAT' }), url), 'dial tcp 127.0.0.1:10250: odd');
});

// Regression (issue 8): a runtime's close 1009 for a 100 MB message reached kubectl, one time in two, as
// "kubelet node-1: connection lost mid-stream: write EPIPE". The proxy destroyed a client socket it had just
// ended while the client was still sending: the RST that follows unread input made the hop before it fail a
// write before it had read the close frame. Now a proxy that ends a side keeps reading it until it ends too.
test('a backend that closes while the client is still sending: the client gets the close frame and a FIN, never an RST', async (t) => {
  const close1009 = encodeCloseFrame(1009, 'runtime: the limit is 4194304 bytes per message');
  const backend = await fakeBackend(t, (sock) => {
    sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
    // As ws does on a message over its limit: the close frame and a FIN, then it reads and discards.
    sock.once('data', () => { sock.write(close1009); sock.end(); });
  });
  const fe = await front(t, `http://127.0.0.1:${backend.port}/exec/token`, { lostStream: (cause) => `kubelet node-1: lost: ${cause}` });
  for (let i = 0; i < 5; i++) {
    const sock = connect(fe.port, '127.0.0.1');
    const got: Buffer[] = [];
    const errors: string[] = [];
    let upgraded = false;
    sock.on('data', (c) => {
      got.push(c);
      // Once upgraded, a client that keeps sending one huge frame: 32 MB announced, 16 MB written in pieces.
      if (!upgraded && Buffer.concat(got).includes('\r\n\r\n')) {
        upgraded = true;
        sock.write(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 2, 0, 0, 0, 1, 2, 3, 4]));
        for (let k = 0; k < 256; k++) sock.write(Buffer.alloc(64 << 10));
      }
    });
    sock.on('error', (err) => errors.push(err.message));
    sock.once('end', () => sock.end()); // the proxy's FIN: we stop sending too
    sock.write(upgradeRequest());
    await once(sock, 'close');
    const all = Buffer.concat(got);
    assert.deepEqual({ body: all.subarray(all.indexOf('\r\n\r\n') + 4).toString('latin1'), errors }, { body: close1009.toString('latin1'), errors: [] }, `try ${i}`);
  }
});
