// Unit tests for the SPDY/3 frame codec: hand-written frames from the spec, round trips, cuts, what spdystream rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeFrame, encodeDataHead, FrameDecoder, SpdyProtocolError, RstStatus, Flag, type Frame } from '../../../src/spdy/frames.ts';
import { SPDY3_DICTIONARY } from '../../../src/spdy/dictionary.ts';
import { describeFrame } from '../../../src/spdy/describe.ts';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const toHex = (b: Buffer) => b.toString('hex');

test('dictionary: the 1423 bytes of spdystream spdy/dictionary.go', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
  assert.equal(SPDY3_DICTIONARY.subarray(-12).toString('latin1'), 'tf-,*,enq=0.');
  // sha256 of the bytes extracted from spdystream's Go source (f0be51f)
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

// Every expected byte string below was written by hand from the SPDY/3 draft's frame layouts.
const handWritten: [string, Frame, string][] = [
  ['SYN_STREAM id=1, header block "abc"',
    { type: 'synStream', streamId: 1, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: hex('616263') },
    '8003 0001 00 00000d  00000001 00000000 00 00 616263'],
  ['SYN_STREAM id=7 assoc=5 priority 7 slot 2 FIN|UNIDIRECTIONAL',
    { type: 'synStream', streamId: 7, associatedId: 5, priority: 7, slot: 2, flags: Flag.fin | Flag.unidirectional, headerBlock: hex('ff') },
    '8003 0001 03 00000b  00000007 00000005 e0 02 ff'],
  ['SYN_REPLY id=1 FIN, block "ab"', { type: 'synReply', streamId: 1, flags: Flag.fin, headerBlock: hex('6162') },
    '8003 0002 01 000006  00000001 6162'],
  ['HEADERS id=3', { type: 'headers', streamId: 3, flags: 0, headerBlock: hex('00') }, '8003 0008 00 000005 00000003 00'],
  ['RST_STREAM id=1 CANCEL', { type: 'rstStream', streamId: 1, status: RstStatus.cancel }, '8003 0003 00 000008 00000001 00000005'],
  ['SETTINGS CLEAR, MAX_CONCURRENT_STREAMS=100 persisted', { type: 'settings', flags: Flag.clearSettings, entries: [{ flags: 1, id: 4, value: 100 }] },
    '8003 0004 01 00000c 00000001 01000004 00000064'],
  ['SETTINGS empty', { type: 'settings', flags: 0, entries: [] }, '8003 0004 00 000004 00000000'],
  ['PING id=1', { type: 'ping', id: 1 }, '8003 0006 00 000004 00000001'],
  ['PING id=2^32-1', { type: 'ping', id: 0xffffffff }, '8003 0006 00 000004 ffffffff'],
  ['GOAWAY last=3 OK', { type: 'goAway', lastGoodStreamId: 3, status: 0 }, '8003 0007 00 000008 00000003 00000000'],
  ['WINDOW_UPDATE id=5 +65536', { type: 'windowUpdate', streamId: 5, delta: 65536 }, '8003 0009 00 000008 00000005 00010000'],
  ['DATA id=5 FIN "hello\\n"', { type: 'data', streamId: 5, flags: Flag.fin, data: Buffer.from('hello\n') }, '00000005 01 000006 68656c6c6f0a'],
  ['DATA id=2^31-1 empty', { type: 'data', streamId: 0x7fffffff, flags: 0, data: Buffer.alloc(0) }, '7fffffff 00 000000'],
];

for (const [name, frame, bytes] of handWritten) {
  test(`encode and decode by hand: ${name}`, () => {
    assert.equal(toHex(encodeFrame(frame)), toHex(hex(bytes)));
    assert.deepEqual(new FrameDecoder().push(hex(bytes)), [frame]);
  });
}

test('DATA head alone, for a write of head then payload', () => {
  assert.equal(toHex(encodeDataHead(3, 0, 0xffffff)), '00000003' + '00ffffff');
  assert.throws(() => encodeDataHead(3, 0, 0x1000000), /invalid data frame/);
  assert.throws(() => encodeDataHead(0, 0, 1), /stream id zero is disallowed/);
  assert.throws(() => encodeDataHead(0x80000000, 0, 1), /invalid data frame/);
});

test('encode refuses what spdystream refuses to write', () => {
  assert.throws(() => encodeFrame({ type: 'rstStream', streamId: 1, status: 0 }), SpdyProtocolError);
  assert.throws(() => encodeFrame({ type: 'ping', id: 0 }), /stream id zero/);
  assert.throws(() => encodeFrame({ type: 'synReply', streamId: 0, flags: 0, headerBlock: Buffer.alloc(0) }), /stream id zero/);
});

test('decoder: all frames at once, one byte at a time, and every two-piece cut give the same frames', () => {
  const all = Buffer.concat(handWritten.map(([, , b]) => hex(b)));
  const expected = handWritten.map(([, f]) => f);
  assert.deepEqual(new FrameDecoder().push(all), expected);
  const d = new FrameDecoder();
  const got: Frame[] = [];
  for (let i = 0; i < all.length; i++) got.push(...d.push(all.subarray(i, i + 1)));
  assert.deepEqual(got, expected);
  assert.equal(d.pending, 0);
  for (let cut = 0; cut <= all.length; cut++) {
    const dd = new FrameDecoder();
    assert.deepEqual([...dd.push(all.subarray(0, cut)), ...dd.push(all.subarray(cut))], expected, `cut at ${cut}`);
  }
});

test('decoder: a 16 MiB DATA frame in 64 KiB chunks arrives whole', () => {
  const data = Buffer.alloc(0xffffff, 0xab);
  const bytes = Buffer.concat([encodeDataHead(1, 0, data.length), data]);
  const d = new FrameDecoder();
  const frames: Frame[] = [];
  for (let at = 0; at < bytes.length; at += 65536) frames.push(...d.push(bytes.subarray(at, at + 65536)));
  assert.equal(frames.length, 1);
  assert.ok((frames[0] as { data: Buffer }).data.equals(data));
});

test('decoder: the version is not checked (spdystream reads it and moves on)', () => {
  assert.deepEqual(new FrameDecoder().push(hex('8002 0006 00 000004 00000009')), [{ type: 'ping', id: 9 }]);
  assert.deepEqual(new FrameDecoder().push(hex('ffff 0006 00 000004 00000009')), [{ type: 'ping', id: 9 }]);
});

const rejected: [string, string, RegExp][] = [
  ['NOOP (type 5): unknown control type', '8003 0005 00 000000', /invalid control frame: unknown control frame type 5/],
  ['CREDENTIAL (type 10)', '8003 000a 00 000004 00000000', /unknown control frame type 10/],
  ['type 0', '8003 0000 00 000000', /unknown control frame type 0/],
  ['PING with flags', '8003 0006 01 000004 00000001', /PING flags 1/],
  ['PING id 0', '8003 0006 00 000004 00000000', /stream id zero/],
  ['PING length 8', '8003 0006 00 000008 00000001 00000000', /PING length 8/],
  ['GOAWAY length 12', '8003 0007 00 00000c 00000001 00000000 00000000', /GOAWAY length 12/],
  ['GOAWAY flags', '8003 0007 01 000008 00000001 00000000', /GOAWAY flags/],
  ['WINDOW_UPDATE flags', '8003 0009 01 000008 00000001 00000001', /WINDOW_UPDATE flags/],
  ['WINDOW_UPDATE length 4', '8003 0009 00 000004 00000001', /WINDOW_UPDATE length 4/],
  ['RST_STREAM status 0', '8003 0003 00 000008 00000001 00000000', /invalid control frame: RST_STREAM status 0/],
  ['RST_STREAM stream 0', '8003 0003 00 000008 00000000 00000005', /stream id zero/],
  ['RST_STREAM length 4', '8003 0003 00 000004 00000001', /RST_STREAM length 4/],
  ['SYN_STREAM length 9', '8003 0001 00 000009 00000001 00000000 00', /SYN_STREAM length 9 < 10/],
  ['SYN_STREAM stream 0', '8003 0001 00 00000a 00000000 00000000 0000', /stream id zero/],
  ['SYN_REPLY length 3', '8003 0002 00 000003 000000', /SYN_REPLY length 3/],
  ['HEADERS stream 0', '8003 0008 00 000004 00000000', /stream id zero/],
  ['SETTINGS count beyond its length', '8003 0004 00 00000c 00000002 00000004 00000064', /SETTINGS with 2 entries in 12 bytes/],
  ['SETTINGS length 6', '8003 0004 00 000006 00000000 0000', /SETTINGS length 6/],
  ['DATA stream 0', '00000000 00 000001 aa', /stream id zero is disallowed/],
];

for (const [name, bytes, message] of rejected) {
  test(`decoder rejects ${name}`, () => {
    assert.throws(() => new FrameDecoder().push(hex(bytes)), (e: Error) => e instanceof SpdyProtocolError && message.test(e.message));
  });
}

test('decoder: frames before a bad one come with the error; a failed decoder stays failed', () => {
  const d = new FrameDecoder();
  const ping = hex('8003 0006 00 000004 00000001');
  let caught: SpdyProtocolError | undefined;
  try {
    d.push(Buffer.concat([ping, ping, hex('8003 0005 00 000000')]));
  } catch (e) {
    caught = e as SpdyProtocolError;
  }
  assert.ok(caught instanceof SpdyProtocolError);
  assert.equal(caught.frames?.length, 2);
  assert.throws(() => d.push(ping), /unknown control frame type 5/);
});

test('decoder: an unknown type is refused from its head alone, before any payload', () => {
  // a NOOP declaring 1 MiB of payload: spdystream fails at once, it does not wait for the megabyte
  assert.throws(() => new FrameDecoder().push(hex('8003 0005 00 100000')), /unknown control frame type 5/);
});

test('describeFrame: one line per frame', () => {
  const lines = handWritten.map(([, f]) => describeFrame(f));
  assert.deepEqual(lines, [
    'SYN_STREAM id=1 block=3B',
    'SYN_STREAM id=7 assoc=5 block=1B FIN UNIDIRECTIONAL',
    'SYN_REPLY id=1 block=2B FIN',
    'HEADERS id=3 block=1B',
    'RST_STREAM id=1 status=CANCEL',
    'SETTINGS CLEAR_SETTINGS MAX_CONCURRENT_STREAMS=100',
    'SETTINGS',
    'PING id=1',
    'PING id=4294967295',
    'GOAWAY last=3 status=OK',
    'WINDOW_UPDATE id=5 delta=65536',
    'DATA id=5 len=6 FIN',
    'DATA id=2147483647 len=0',
  ]);
  assert.equal(describeFrame(handWritten[0][1], { streamtype: 'error' }), 'SYN_STREAM id=1 streamtype=error');
  assert.equal(describeFrame({ type: 'synReply', streamId: 1, flags: 0, headerBlock: Buffer.alloc(3) }, {}), 'SYN_REPLY id=1');
  assert.equal(describeFrame({ type: 'rstStream', streamId: 3, status: 99 }), 'RST_STREAM id=3 status=99');
});
