// SPDY's lost-stream report, pure: the error stream found from the client's compressed SYN_STREAMs, frame boundaries of
// the backend's side in any cuts, a DATA+FIN with the Status (JSON on v4/v5, text on v1-v3), a cut inside a frame,
// nothing after a GOAWAY or the error stream's own FIN.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { UpgradeAwareProxy } from '../../../src/proxy/upgrade-aware.ts';
import { Flag, FrameDecoder, encodeFrame, type Frame } from '../../../src/spdy/frames.ts';
import { HeaderCompressor } from '../../../src/spdy/header-block.ts';
import { spdyLostStreamWatchFor } from '../../../src/proxy/spdy-lost-stream.ts';

// The client's side of a v4 exec: streams error, stdout, stderr (ids 1, 3, 5), each header block from one context.
function clientOpens(): Buffer {
  const z = new HeaderCompressor();
  const syn = (id: number, streamtype: string): Buffer => encodeFrame({ type: 'synStream', streamId: id, associatedId: 0, priority: 0, slot: 0, flags: 0,
    headerBlock: z.compress({ streamtype }) });
  return Buffer.concat([syn(1, 'error'), syn(3, 'stdout'), syn(5, 'stderr')]);
}
function backendReplies(): Buffer {
  const z = new HeaderCompressor();
  return Buffer.concat([1, 3, 5].map((id) => encodeFrame({ type: 'synReply', streamId: id, flags: 0, headerBlock: z.compress({}) })));
}
const data = (id: number, text: string, flags = 0) => encodeFrame({ type: 'data', streamId: id, flags, data: Buffer.from(text) });
// Feeds bytes one at a time: every cut a socket may make.
const byBytes = (feed: (b: Buffer) => void, bytes: Buffer) => { for (let i = 0; i < bytes.length; i++) feed(bytes.subarray(i, i + 1)); };

test('only a 101 to SPDY/3.1 with a remotecommand version gets a watch', () => {
  assert.equal(spdyLostStreamWatchFor('websocket', 'v4.channel.k8s.io'), undefined);
  assert.equal(spdyLostStreamWatchFor('SPDY/3.1', 'v9.channel.k8s.io'), undefined);
  assert.ok(spdyLostStreamWatchFor('SPDY/3.1', 'v4.channel.k8s.io'));
  assert.ok(spdyLostStreamWatchFor('spdy/3.1', 'channel.k8s.io'));
});

test('between frames, v4: DATA with FIN on the error stream carrying an InternalError Status that names the hop', () => {
  const w = spdyLostStreamWatchFor('SPDY/3.1', 'v4.channel.k8s.io')!;
  byBytes((c) => w.observeClient(c), clientOpens());
  byBytes((c) => w.observe(c), Buffer.concat([backendReplies(), data(3, 'started\n')]));
  const v = w.verdict('kubelet node-2: connection lost mid-stream: EOF');
  assert.equal(v.action, 'report');
  const [frame, ...rest] = new FrameDecoder().push((v as { bytes: Buffer }).bytes) as Extract<Frame, { type: 'data' }>[];
  assert.deepEqual([frame!.type, frame!.streamId, frame!.flags, rest.length], ['data', 1, Flag.fin, 0]);
  const status = JSON.parse(frame!.data.toString());
  assert.deepEqual([status.status, status.reason, status.code, status.message], ['Failure', 'InternalError', 500, 'Internal error occurred: kubelet node-2: connection lost mid-stream: EOF']);
  w.close();
});

test('v1 to v3: the message as text', () => {
  const w = spdyLostStreamWatchFor('SPDY/3.1', 'v3.channel.k8s.io')!;
  w.observeClient(clientOpens());
  w.observe(backendReplies());
  const v = w.verdict('runtime shim node-1: gone') as { action: string; bytes: Buffer };
  const [frame] = new FrameDecoder().push(v.bytes) as Extract<Frame, { type: 'data' }>[];
  assert.equal(frame!.data.toString(), 'Internal error occurred: runtime shim node-1: gone');
  w.close();
});

test('inside a frame the connection is cut; before the error stream is replied too', () => {
  const w = spdyLostStreamWatchFor('SPDY/3.1', 'v4.channel.k8s.io')!;
  w.observeClient(clientOpens());
  assert.equal(w.verdict('x').action, 'cut', 'no SYN_REPLY for the error stream yet');
  w.observe(backendReplies());
  w.observe(data(3, 'partial output').subarray(0, 11));
  assert.equal(w.verdict('x').action, 'cut');
  w.close();
});

test('after a GOAWAY, or the error stream\'s FIN (the Status went out), nothing is added', () => {
  const a = spdyLostStreamWatchFor('SPDY/3.1', 'v4.channel.k8s.io')!;
  a.observeClient(clientOpens());
  a.observe(Buffer.concat([backendReplies(), data(1, '{"status":"Success"}', Flag.fin)]));
  assert.equal(a.verdict('x').action, 'close');
  const b = spdyLostStreamWatchFor('SPDY/3.1', 'v4.channel.k8s.io')!;
  b.observeClient(clientOpens());
  b.observe(Buffer.concat([backendReplies(), encodeFrame({ type: 'goAway', lastGoodStreamId: 5, status: 0 })]));
  assert.equal(b.verdict('x').action, 'close');
  a.close(); b.close();
});

test('a client sending garbage: the watch gives up quietly and cuts', () => {
  const w = spdyLostStreamWatchFor('SPDY/3.1', 'v4.channel.k8s.io')!;
  w.observeClient(Buffer.from('\x80\x03\x00\x63 not spdy at all, an unknown control type'));
  w.observeClient(clientOpens());
  w.observe(backendReplies());
  assert.equal(w.verdict('x').action, 'cut');
  w.close();
});

// Through the real proxy, over sockets: a SPDY backend (a streaming server) that answers the 101, replies to the client's
// streams, writes some output, then dies.
async function dyingSpdyBackend(t: TestContext): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createNetServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    let seen = Buffer.alloc(0);
    let upgraded = false;
    sock.on('data', (c: Buffer) => {
      seen = Buffer.concat([seen, c]);
      if (!upgraded && seen.includes('\r\n\r\n')) {
        upgraded = true;
        sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
      }
      // The client's three SYN_STREAMs are in: reply, write, and go away without a word (the process was killed).
      if (upgraded && new FrameDecoder().push(seen.subarray(seen.indexOf('\r\n\r\n') + 4)).length === 3) {
        sock.end(Buffer.concat([backendReplies(), data(3, 'started\n')]));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { for (const s of sockets) s.destroy(); server.close(); });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/exec/default/p/c?command=date&output=1&error=1`;
}

test('through the upgrade-aware proxy: the output so far, then the error stream\'s Status naming the hop, then the end', async (t) => {
  const location = await dyingSpdyBackend(t);
  const sessions: Promise<void>[] = [];
  const front = createHttpServer((_req, res) => { res.statusCode = 418; res.end(); });
  front.on('upgrade', (req, socket, head) => {
    sessions.push(new UpgradeAwareProxy(new URL(location), {
      hop: 'kubelet node-2', lostStream: (cause) => `kubelet node-2: connection lost mid-stream: ${cause}`, lostStreamWatch: spdyLostStreamWatchFor,
    }).serveUpgrade(req, socket, head));
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  t.after(() => { front.closeAllConnections(); front.close(); });
  const client = connect((front.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  const got: Buffer[] = [];
  client.on('data', (c: Buffer) => got.push(c));
  client.write('POST /exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n');
  await new Promise<void>((resolve) => client.once('data', () => resolve()));
  client.write(clientOpens());
  await once(client, 'close');
  const all = Buffer.concat(got);
  assert.match(all.subarray(0, all.indexOf('\r\n\r\n')).toString('latin1'), /^HTTP\/1\.1 101 /);
  const frames = new FrameDecoder().push(all.subarray(all.indexOf('\r\n\r\n') + 4));
  assert.deepEqual(frames.map((f) => `${f.type} ${'streamId' in f ? f.streamId : ''}`), ['synReply 1', 'synReply 3', 'synReply 5', 'data 3', 'data 1']);
  const report = frames[4] as Extract<Frame, { type: 'data' }>;
  assert.equal(report.flags, Flag.fin);
  assert.equal(JSON.parse(report.data.toString()).message, 'Internal error occurred: kubelet node-2: connection lost mid-stream: EOF');
  await Promise.all(sessions);
});
