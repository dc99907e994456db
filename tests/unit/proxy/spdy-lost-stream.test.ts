// SPDY's lost-stream report, pure: the error stream found from the client's compressed SYN_STREAMs, frame boundaries of
// the backend's side in any cuts, a DATA+FIN with the Status (JSON on v4/v5, text on v1-v3), a cut inside a frame,
// nothing after a GOAWAY or the error stream's own FIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
