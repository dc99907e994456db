// Unit tests for the Docker stream multiplexer (moby pkg/stdcopy): hex bytes in, frames out; splits, joins, errors, fuzz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { encodeFrame, StdDemuxer, StdType, DaemonStreamError, StdHeaderError } from '../../../src/engine/stdcopy.ts';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('encode: [stream, 0, 0, 0, size uint32 BE] then the payload', () => {
  assert.equal(toHex(encodeFrame(StdType.stdout, Buffer.from('hi\n'))), '01000000' + '00000003' + '68690a');
  assert.equal(toHex(encodeFrame(StdType.stderr, Buffer.alloc(0))), '0200000000000000');
  assert.equal(toHex(encodeFrame(StdType.stdout, Buffer.alloc(0x10203))).slice(0, 16), '0100000000010203');
});

test('decode: one frame, then a frame split inside its header and inside its payload', () => {
  const d = new StdDemuxer();
  assert.deepEqual(d.push(hex('01000000 00000003 68690a')), [{ stream: 1, payload: Buffer.from('hi\n') }]);
  assert.deepEqual(d.push(hex('0200')), []);
  assert.deepEqual(d.push(hex('0000 000000')), []);
  assert.deepEqual(d.push(hex('06 6572')), []);
  assert.equal(d.buffered, 10);
  assert.deepEqual(d.push(hex('726f720a')), [{ stream: 2, payload: Buffer.from('error\n') }]);
  assert.equal(d.buffered, 0);
});

test('decode: joined frames in one chunk, with 0-byte frames between them, keep their order and boundaries', () => {
  const chunk = Buffer.concat([
    encodeFrame(1, Buffer.from('a')), encodeFrame(2, Buffer.alloc(0)), encodeFrame(2, Buffer.from('bc')),
    encodeFrame(1, Buffer.alloc(0)), encodeFrame(0, Buffer.from('in')), encodeFrame(1, Buffer.from('d')).subarray(0, 5),
  ]);
  const d = new StdDemuxer();
  assert.deepEqual(d.push(chunk).map((f) => [f.stream, f.payload.toString()]), [[1, 'a'], [2, ''], [2, 'bc'], [1, ''], [0, 'in']]);
  assert.deepEqual(d.push(hex('00000164')).map((f) => [f.stream, f.payload.toString()]), [[1, 'd']]);
});

test('decode: a systemerr frame is the daemon error, as stdcopy.StdCopy returns it', () => {
  const d = new StdDemuxer();
  assert.throws(() => d.push(Buffer.concat([encodeFrame(1, Buffer.from('x')), encodeFrame(3, Buffer.from('boom'))])),
    (e: Error) => e instanceof DaemonStreamError && e.message === 'error from daemon in stream: boom');
  assert.throws(() => d.push(hex('01')), StdHeaderError);
});

test('decode: raw tty bytes read as multiplexed give the CLI\'s "Unrecognized input header"', () => {
  const d = new StdDemuxer();
  assert.throws(() => d.push(Buffer.from('hello world\n')), /^StdHeaderError: Unrecognized input header: 104$|Unrecognized input header: 104/);
  // fewer than 8 bytes: nothing known yet, no error
  assert.deepEqual(new StdDemuxer().push(Buffer.from('hello')), []);
});

test('fuzz: random frames cut at random places give back the same payloads, per stream', () => {
  for (let round = 0; round < 300; round++) {
    const frames = Array.from({ length: randomInt(1, 20) }, () => ({
      stream: randomInt(0, 3) as 0 | 1 | 2,
      payload: randomInt(0, 5) === 0 ? Buffer.alloc(0) : randomBytes(randomInt(1, randomInt(0, 4) === 0 ? 70000 : 40)),
    }));
    const wire = Buffer.concat(frames.map((f) => encodeFrame(f.stream, f.payload)));
    const cuts = Array.from({ length: randomInt(0, 30) }, () => randomInt(0, wire.length + 1)).sort((a, b) => a - b);
    const d = new StdDemuxer();
    const got: { stream: number; payload: Buffer }[] = [];
    let at = 0;
    for (const cut of [...cuts, wire.length]) {
      got.push(...d.push(wire.subarray(at, cut)));
      at = cut;
    }
    assert.equal(d.buffered, 0);
    assert.deepEqual(got.map((f) => [f.stream, toHex(f.payload)]), frames.map((f) => [f.stream, toHex(f.payload)]), `round ${round}`);
  }
});

test('fuzz: byte at a time', () => {
  const frames = [encodeFrame(1, randomBytes(100)), encodeFrame(2, randomBytes(3)), encodeFrame(1, Buffer.alloc(0))];
  const wire = Buffer.concat(frames);
  const d = new StdDemuxer();
  const got = [];
  for (let i = 0; i < wire.length; i++) got.push(...d.push(wire.subarray(i, i + 1)));
  assert.equal(toHex(Buffer.concat(got.map((f) => encodeFrame(f.stream, f.payload)))), toHex(wire));
});
