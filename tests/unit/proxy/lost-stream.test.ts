// A backend that dies mid-stream behind the upgrade-aware proxy: between frames the client gets a Status naming the
// hop on channel 3 and a close 1000; inside a frame the connection is cut; after a close frame nothing is added.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, connect, type Socket, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { UpgradeAwareProxy, type UpgradeAwareProxyOptions } from '../../../src/proxy/upgrade-aware.ts';
import { lostStreamFrames, lostStreamWatchFor, describeLoss } from '../../../src/proxy/lost-stream.ts';
import { protocols } from '../../../src/remotecommand/protocols.ts';
import { decodeMessage } from '../../../src/remotecommand/codec.ts';
import { decodeStatus, exitCodeFromStatus } from '../../../src/remotecommand/status.ts';
import { waitFor } from '../../../src/util/wait.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const v5 = protocols.get('v5.channel.k8s.io')!;

// A backend that answers every upgrade with a 101 for `protocol`, then runs `then` on the raw socket.
async function dyingBackend(t: TestContext, protocol: string, then: (sock: Socket) => void) {
  const sockets = new Set<Socket>();
  const server = createNetServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let head = '';
    const onData = (c: Buffer) => {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      sock.resume();
      sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
      then(sock);
    };
    sock.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { for (const s of sockets) s.destroy(); server.close(); });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/exec/default/p/c?command=date&output=1`;
}

async function front(t: TestContext, location: string, opts: Partial<UpgradeAwareProxyOptions>) {
  const sessions: Promise<void>[] = [];
  const server = createHttpServer((_req, res) => { res.statusCode = 418; res.end(); });
  server.on('upgrade', (req, socket, head) => {
    sessions.push(new UpgradeAwareProxy(new URL(location), { hop: 'kubelet node-1', ...opts }).serveUpgrade(req, socket, head));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, port: (server.address() as AddressInfo).port, sessions };
}

// Everything the client reads after the 101's head, until the connection is gone.
function upgradingClient(port: number, protocol = 'v5.channel.k8s.io') {
  const sock = connect(port, '127.0.0.1');
  const got: Buffer[] = [];
  sock.on('data', (c) => got.push(c));
  sock.on('error', () => undefined);
  sock.write('GET /exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
  const afterHead = () => {
    const all = Buffer.concat(got);
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) return Buffer.alloc(0);
    assert.match(all.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101 /);
    return all.subarray(end + 4);
  };
  return { afterHead, done: once(sock, 'close').then(afterHead) };
}
const clientAfterHead = (port: number, protocol?: string) => upgradingClient(port, protocol).done;

// Splits unmasked frames with 7/16-bit lengths: [opcode, payload][].
function frames(bytes: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  for (let i = 0; i < bytes.length;) {
    let len = bytes[i + 1]! & 0x7f, at = i + 2;
    if (len === 126) { len = bytes.readUInt16BE(i + 2); at = i + 4; }
    out.push([bytes[i]! & 0x0f, bytes.subarray(at, at + len)]);
    i = at + len;
  }
  return out;
}

const lost = (cause: string) => `kubelet node-1: runtime shim node-1: the streaming connection was lost: ${cause}`;

test('lostStreamFrames: channel 3 with an InternalError Status, then close 1000; kubectl reads it as an error', () => {
  const bytes = lostStreamFrames(v5, 'kubelet node-2: connection lost mid-stream: EOF');
  const [[op, payload], [closeOp, closePayload]] = frames(bytes) as [[number, Buffer], [number, Buffer]];
  assert.equal(op, 2);
  const msg = decodeMessage(v5, payload, true);
  assert.equal(msg.kind === 'data' && msg.channel, 3);
  const status = decodeStatus(v5, (msg as { data: Uint8Array }).data);
  assert.deepEqual([status.status, status.reason, status.code], ['Failure', 'InternalError', 500]);
  assert.throws(() => exitCodeFromStatus(status), { message: 'Internal error occurred: kubelet node-2: connection lost mid-stream: EOF' });
  assert.deepEqual([closeOp, closePayload.toString('hex')], [8, '03e8']);
  // base64: a text frame, the digit 3 and the Status in base64.
  const b64 = frames(lostStreamFrames(protocols.get('v4.base64.channel.k8s.io')!, 'x'));
  assert.equal(b64[0]![0], 1);
  assert.match(b64[0]![1].toString('latin1'), /^3[A-Za-z0-9+/]+=*$/);
});

test('which streams can be told: WebSocket with v4, v4.base64 or v5 only', () => {
  assert.ok(lostStreamWatchFor('websocket', 'v5.channel.k8s.io'));
  assert.ok(lostStreamWatchFor('WebSocket', 'v4.channel.k8s.io'));
  assert.ok(lostStreamWatchFor('websocket', 'v4.base64.channel.k8s.io'));
  assert.equal(lostStreamWatchFor('websocket', 'channel.k8s.io'), undefined);
  assert.equal(lostStreamWatchFor('websocket', undefined), undefined);
  assert.equal(lostStreamWatchFor('SPDY/3.1', 'v5.channel.k8s.io'), undefined);
  assert.equal(describeLoss(undefined), 'EOF');
  assert.equal(describeLoss(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 'read ECONNRESET');
});

// The two ways a backend goes: a FIN (the process exited and the kernel closed its socket) and a reset,
// made here on the proxy's own backend socket through the dial seam, so the error path is exercised for sure.
for (const how of ['EOF', 'read ECONNRESET'] as const) {
  test(`the backend dies between frames (${how}): the client gets the output, the Status naming the hop, close 1000`, async (t) => {
    const location = await dyingBackend(t, 'v5.channel.k8s.io', (sock) => { sock.write(hex('82 03 01 68 69')); if (how === 'EOF') sock.end(); });
    let dialled: Socket | undefined;
    const dial = (url: URL) => (dialled = connect(Number(url.port), url.hostname));
    const fe = await front(t, location, { lostStream: lost, dial });
    const client = upgradingClient(fe.port);
    if (how !== 'EOF') {
      await waitFor(() => client.afterHead().length === 5, { what: 'the first frame relayed' });
      dialled!.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    }
    const got = frames(await client.done);
    assert.equal(got.length, 3, `frames: ${JSON.stringify(got.map(([o, p]) => [o, p.toString('latin1')]))}`);
    assert.deepEqual(got[0], [2, hex('01 68 69')]);
    assert.equal(got[1]![1][0], 3);
    const status = JSON.parse(got[1]![1].subarray(1).toString());
    assert.equal(status.message, `Internal error occurred: ${lost(how)}`);
    assert.equal(status.reason, 'InternalError');
    assert.deepEqual([got[2]![0], got[2]![1].toString('hex')], [8, '03e8']);
    await Promise.all(fe.sessions);
  });
}

test('the backend dies inside a frame: nothing can follow a torn frame, the client connection is cut', async (t) => {
  const location = await dyingBackend(t, 'v5.channel.k8s.io', (sock) => { sock.write(hex('82 05 01 68')); sock.end(); });
  const fe = await front(t, location, { lostStream: lost });
  assert.equal((await clientAfterHead(fe.port)).toString('hex'), '82050168');
  await Promise.all(fe.sessions);
});

test('after a close frame nothing is added: the stream had ended properly', async (t) => {
  const status = Buffer.from('\x03{"metadata":{},"status":"Success"}', 'latin1');
  const sent = Buffer.concat([hex('82 03 01 68 69'), Buffer.from([0x82, status.length]), status, hex('88 02 03 e8')]);
  const location = await dyingBackend(t, 'v5.channel.k8s.io', (sock) => { sock.end(sent); });
  const fe = await front(t, location, { lostStream: lost });
  assert.deepEqual(await clientAfterHead(fe.port), sent);
  await Promise.all(fe.sessions);
});

test('two hops: the inner one reports, the outer one relays it and adds nothing', async (t) => {
  const location = await dyingBackend(t, 'v5.channel.k8s.io', (sock) => { sock.end(hex('82 03 01 68 69')); });
  const kubelet = await front(t, location, { lostStream: lost });
  const apiserver = await front(t, kubelet.url, { hop: 'kubelet node-1', lostStream: (cause) => `kubelet node-1: connection lost mid-stream: ${cause}` });
  const got = frames(await clientAfterHead(apiserver.port));
  assert.equal(got.length, 3);
  assert.match(got[1]![1].toString(), /"message":"Internal error occurred: kubelet node-1: runtime shim node-1: the streaming connection was lost: EOF"/);
  assert.equal(got[2]![0], 8);
  await Promise.all([...kubelet.sessions, ...apiserver.sessions]);
});

test('a kubelet that dies: the API server\'s hop reports it', async (t) => {
  const location = await dyingBackend(t, 'v5.channel.k8s.io', (sock) => { sock.write(hex('82 03 01 68 69')); sock.end(); });
  const apiserver = await front(t, location, { hop: 'kubelet node-2', lostStream: (cause) => `kubelet node-2: connection lost mid-stream: ${cause}` });
  const got = frames(await clientAfterHead(apiserver.port));
  assert.match(got[1]![1].toString(), /"message":"Internal error occurred: kubelet node-2: connection lost mid-stream: EOF"/);
});

test('without the option, or on a protocol without a JSON error channel, the bytes are relayed and nothing is added', async (t) => {
  const location = await dyingBackend(t, 'v5.channel.k8s.io', (sock) => { sock.write(hex('82 03 01 68 69')); sock.end(); });
  const plain = await front(t, location, {});
  assert.equal((await clientAfterHead(plain.port)).toString('hex'), '8203016869');
  const v1 = await dyingBackend(t, 'channel.k8s.io', (sock) => { sock.write(hex('82 03 01 68 69')); sock.end(); });
  const old = await front(t, v1, { lostStream: lost });
  assert.equal((await clientAfterHead(old.port, 'channel.k8s.io')).toString('hex'), '8203016869');
});
