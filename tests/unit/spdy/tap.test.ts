// The tap, pure: an upgrade's head (only the headers that tell its story), then one line per SPDY frame with its
// header block inflated by the direction's one zlib context; plain HTTP and garbage say so and stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '../../../src/spdy/frames.ts';
import { HeaderCompressor } from '../../../src/spdy/header-block.ts';
import { SpdyTap } from '../../../src/spdy/tap.ts';

const request = 'POST /api/v1/namespaces/default/pods/nginx/exec?command=date&container=nginx&stdout=true HTTP/1.1\r\nHost: 127.0.0.1:1234\r\n'
  + 'User-Agent: kubectl/v1.29.14\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: channel.k8s.io\r\n'
  + 'Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 0\r\n\r\n';

test('the request head, then the client\'s frames, in any cuts', () => {
  const z = new HeaderCompressor();
  const frames = Buffer.concat([
    encodeFrame({ type: 'synStream', streamId: 1, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: z.compress({ streamtype: 'error' }) }),
    encodeFrame({ type: 'synStream', streamId: 3, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: z.compress({ streamtype: 'stdout' }) }),
    encodeFrame({ type: 'data', streamId: 3, flags: 1, data: Buffer.alloc(0) }),
  ]);
  const bytes = Buffer.concat([Buffer.from(request, 'latin1'), frames]);
  const tap = new SpdyTap();
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 7) lines.push(...tap.push(bytes.subarray(i, i + 7)));
  assert.deepEqual(lines, [
    'POST /api/v1/namespaces/default/pods/nginx/exec?command=date&container=nginx&stdout=true HTTP/1.1',
    'X-Stream-Protocol-Version: v4.channel.k8s.io',
    'X-Stream-Protocol-Version: channel.k8s.io',
    'Connection: Upgrade',
    'Upgrade: SPDY/3.1',
    'SYN_STREAM id=1 streamtype=error',
    'SYN_STREAM id=3 streamtype=stdout',
    'DATA id=3 len=0 FIN',
  ]);
  assert.equal(tap.upgrade, true);
  tap.close();
});

test('a 101 and the frames after it in the same chunk; a refusal is plain HTTP', () => {
  const z = new HeaderCompressor();
  const ok = new SpdyTap();
  const head = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nDate: now\r\n\r\n';
  assert.deepEqual(ok.push(Buffer.concat([Buffer.from(head), encodeFrame({ type: 'synReply', streamId: 1, flags: 0, headerBlock: z.compress({}) })])), [
    'HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: v4.channel.k8s.io', 'SYN_REPLY id=1',
  ]);
  ok.close();
  const refused = new SpdyTap();
  assert.deepEqual(refused.push(Buffer.from('HTTP/1.1 400 Bad Request\r\nUpgrade: SPDY/3.1\r\nContent-Type: text/plain\r\n\r\nno')), [
    'HTTP/1.1 400 Bad Request', 'Upgrade: SPDY/3.1', 'Content-Type: text/plain',
  ]);
  assert.deepEqual(refused.push(Buffer.from('more body')), []);
  refused.close();
});

test('garbage after the upgrade: one line says so, then nothing', () => {
  const tap = new SpdyTap();
  const lines = tap.push(Buffer.from(`${request}\x80\x03\x00\x63\x00\x00\x00\x00`, 'latin1'));
  assert.match(lines.at(-1)!, /^\(not SPDY from here on: /);
  assert.deepEqual(tap.push(Buffer.from('anything')), []);
  tap.close();
});

test('a kept-alive connection: each request and answer by its first line, bodies (length or chunked) skipped', () => {
  const toServer = new SpdyTap();
  const toClient = new SpdyTap();
  const requests = 'GET /api/v1?timeout=32s HTTP/1.1\r\nHost: h\r\n\r\nPOST /api/v1/namespaces/default/pods HTTP/1.1\r\nContent-Length: 5\r\n\r\n{"a"}'
    + 'GET /api/v1/namespaces/default/pods/nginx HTTP/1.1\r\n\r\n';
  const answers = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'
    + 'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';
  const feed = (tap: SpdyTap, text: string) => Array.from({ length: text.length }, (_, i) => tap.push(Buffer.from(text[i]!, 'latin1'))).flat();
  assert.deepEqual(feed(toServer, requests), ['GET /api/v1?timeout=32s HTTP/1.1', 'POST /api/v1/namespaces/default/pods HTTP/1.1', 'GET /api/v1/namespaces/default/pods/nginx HTTP/1.1']);
  assert.deepEqual(feed(toClient, answers), ['HTTP/1.1 200 OK', 'HTTP/1.1 201 Created', 'HTTP/1.1 404 Not Found', 'Content-Type: application/json']);
  assert.deepEqual([toServer.upgrade, toClient.upgrade], [false, false], 'no upgrade: scripts/spdy-tap.ts shows none of it without --all');
  toServer.close();
  toClient.close();
});
