// The upgrade-aware proxy's deadlines, with mocked timers (no test waits for real time): the backend's
// response head is waited for as long as the client stays (upgradeaware.go has no deadline there), the dial has 30 s.
// Regression: a fixed 10 s head deadline answered 500 "timeout awaiting response headers" under load for
// execs the backend then ran anyway, and kubectl's SPDY fallback sent them a second time.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, connect, Socket, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { DIAL_TIMEOUT_MS, UpgradeAwareProxy, type UpgradeAwareProxyOptions } from '../../../src/proxy/upgrade-aware.ts';
import { waitFor } from '../../../src/util/wait.ts';

const HOUR = 60 * 60 * 1000;
const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n';
const upgradeRequest = 'GET /api/v1/namespaces/default/pods/p/exec?command=true HTTP/1.1\r\nHost: apiserver\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n';

// A backend that answers only when told to: `requested` resolves once it holds a whole request head.
async function heldBackend(t: TestContext) {
  let sock: Socket | undefined;
  let text = '';
  let gotHead!: () => void;
  const requested = new Promise<void>((r) => { gotHead = r; });
  const server = createNetServer((s) => {
    sock = s;
    s.on('data', (c) => { text += c.toString('latin1'); if (text.includes('\r\n\r\n')) gotHead(); });
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { sock?.destroy(); server.close(); });
  return {
    port: (server.address() as AddressInfo).port, requested, socket: () => sock,
    answer: (bytes: string) => sock!.write(bytes),
    received: (what: RegExp) => waitFor(() => what.test(text), { what: `the backend to receive ${what}` }),
  };
}

async function front(t: TestContext, location: string, opts: Partial<UpgradeAwareProxyOptions> = {}) {
  const server = createHttpServer((_req, res) => { res.statusCode = 418; res.end(); });
  server.on('upgrade', (req, socket, head) => {
    void new UpgradeAwareProxy(new URL(location), { hop: 'kubelet node-1', ...opts }).serveUpgrade(req, socket, head);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { server.closeAllConnections(); server.close(); });
  return (server.address() as AddressInfo).port;
}

// The first bytes the client reads: what the proxy answered first.
function firstAnswer(sock: Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    sock.on('data', (c) => { got += c.toString('latin1'); if (got.includes('\r\n\r\n')) resolve(got); });
    sock.once('close', () => resolve(got));
  });
}

test('a backend slow to answer is waited for: an hour without a response head, then its 101 reaches the client', async (t) => {
  // Every setTimeout the proxy makes from here on runs on the mocked clock.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const backend = await heldBackend(t);
  const port = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c?command=true&output=1`);
  const client = connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.on('error', () => undefined);
  const first = firstAnswer(client);
  client.write(upgradeRequest);
  await backend.requested;
  // The old proxy gave up after 10 s here and answered 500 while the backend went on to run the command.
  t.mock.timers.tick(HOUR);
  backend.answer(SWITCHING);
  assert.match(await first, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
});

test('the dial has the API server\'s 30 s deadline, and its timeout reads like Go\'s i/o timeout', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // A dial that never completes: a socket that is never connected (a SYN lost to a full accept queue, forever).
  let dialling: Socket | undefined;
  const never = () => (dialling = new Socket());
  const port = await front(t, 'http://10.0.0.5:10250/exec/default/p/c', { dial: never });
  const client = connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  const first = firstAnswer(client);
  client.write(upgradeRequest);
  await new Promise<void>((resolve) => { const poll = () => (dialling ? resolve() : setImmediate(poll)); poll(); });
  // The proxy gives up on a dial by destroying its socket, inside the timer: visible at once.
  t.mock.timers.tick(DIAL_TIMEOUT_MS - 1);
  assert.equal(dialling!.destroyed, false, 'still dialling just before 30 s');
  t.mock.timers.tick(1);
  assert.equal(dialling!.destroyed, true, 'the dial is abandoned at 30 s');
  const answer = await first;
  assert.equal(DIAL_TIMEOUT_MS, 30_000);
  assert.match(answer, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
  const status = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
  assert.equal(status.message, 'kubelet node-1: error dialing backend: dial tcp 10.0.0.5:10250: i/o timeout');
});

test('a client that leaves while the backend has not answered takes the backend connection with it', async (t) => {
  const backend = await heldBackend(t);
  const port = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c?command=true&output=1`);
  const client = connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.write(upgradeRequest);
  await backend.requested;
  let closed = false;
  backend.socket()!.once('close', () => { closed = true; });
  client.end(); // a FIN, as kubectl's exit or an API server giving up sends
  await waitFor(() => closed, { what: 'the backend connection to close' });
});

test('bytes a client sends before the 101 are held, then reach the backend after it, in order', async (t) => {
  const backend = await heldBackend(t);
  const port = await front(t, `http://127.0.0.1:${backend.port}/exec/default/p/c?command=true&output=1`);
  const client = connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.on('error', () => undefined);
  const first = firstAnswer(client);
  client.write(upgradeRequest + 'early-1');
  await backend.requested;
  client.write('early-2');
  // Written before the 101 exists: the proxy must have read it (to notice a client leaving) and kept it.
  await new Promise<void>((resolve) => client.write('', () => resolve()));
  backend.answer(SWITCHING);
  assert.match(await first, /^HTTP\/1\.1 101 /);
  await backend.received(/early-1early-2$/);
});
