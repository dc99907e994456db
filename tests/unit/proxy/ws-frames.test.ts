// The frame-boundary tracker and the frame encoders, with hex bytes; every stream is also fed split at every offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBoundaryTracker, encodeBinaryFrame, encodeCloseFrame, encodeFrame, encodeTextFrame, Opcode } from '../../../src/proxy/ws-frames.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Feeds `bytes` in two chunks split at `cut` and returns the tracker's state after each prefix length in `checks`.
function track(bytes: Buffer, cut: number) {
  const t = new FrameBoundaryTracker();
  t.push(bytes.subarray(0, cut));
  const mid = { atBoundary: t.atBoundary, closeSeen: t.closeSeen };
  t.push(bytes.subarray(cut));
  return { mid, end: { atBoundary: t.atBoundary, closeSeen: t.closeSeen } };
}

// A prefix of `bytes` stands at a boundary exactly at the offsets in `boundaries`; the close frame starts at `closeAt`.
function assertEveryOffset(bytes: Buffer, boundaries: number[], closeAt = Infinity, endState = { atBoundary: true, closeSeen: closeAt !== Infinity }) {
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { mid, end } = track(bytes, cut);
    assert.equal(mid.atBoundary, boundaries.includes(cut), `boundary after ${cut} bytes`);
    assert.deepEqual(end, endState, `end state with a split at ${cut}`);
  }
  // One byte at a time, too.
  const t = new FrameBoundaryTracker();
  for (let i = 0; i < bytes.length; i++) {
    t.push(bytes.subarray(i, i + 1));
    assert.equal(t.atBoundary, boundaries.includes(i + 1), `byte by byte, after ${i + 1}`);
    // Nothing before the close frame counts as the close.
    if (i + 1 <= closeAt) assert.equal(t.closeSeen, false, `no close yet after ${i + 1}`);
  }
}

test('small frames: 7-bit lengths, boundaries between them, and the close frame', () => {
  // binary [01 'hi'] ; text "3e30=" ; close 1000
  const bytes = hex('82 03 01 68 69  81 05 33 65 33 30 3d  88 02 03 e8');
  assertEveryOffset(bytes, [0, 5, 12, 16], 12);
});

test('an empty frame is a boundary right after its header', () => {
  assertEveryOffset(hex('82 00 82 01 01'), [0, 2, 5]);
});

test('16-bit lengths (126) and 64-bit lengths (127)', () => {
  const p16 = Buffer.alloc(300, 7);
  const f16 = Buffer.concat([hex('82 7e 01 2c'), p16]);
  const p64 = Buffer.alloc(70_000, 9);
  const f64 = Buffer.concat([hex('82 7f 00 00 00 00 00 01 11 70'), p64]);
  const t = new FrameBoundaryTracker();
  for (const [i, b] of [...f16, ...f64].entries()) {
    t.push(Uint8Array.of(b));
    const n = i + 1;
    assert.equal(t.atBoundary, n === f16.length || n === f16.length + f64.length, `after ${n}`);
  }
  assertEveryOffset(Buffer.concat([hex('82 7e 00 03 01 02 03'), hex('88 02 03 e8')]), [0, 7, 11], 7);
});

test('masked frames (a client direction): the 4 mask bytes are header, not payload', () => {
  // masked binary, 2 bytes of payload, then masked close with code 1000
  const bytes = hex('82 82 aa bb cc dd 11 22  88 82 01 02 03 04 02 ea');
  assertEveryOffset(bytes, [0, 8, 16], 8);
  // A masked 16-bit length.
  const big = Buffer.concat([hex('82 fe 00 80 01 02 03 04'), Buffer.alloc(128)]);
  assertEveryOffset(big, [0, big.length]);
});

test('a ping or pong is a frame like any other, and does not count as the close', () => {
  assertEveryOffset(hex('89 00 8a 02 68 69 82 01 01'), [0, 2, 6, 9]);
});

test('encoders: unmasked final frames with the right length form, and close 1000', () => {
  assert.equal(encodeBinaryFrame(Uint8Array.of(3, 0x7b, 0x7d)).toString('hex'), '8203037b7d');
  assert.equal(encodeTextFrame('3e30=').toString('hex'), '8105336533303d');
  assert.equal(encodeCloseFrame(1000).toString('hex'), '880203e8');
  assert.equal(encodeCloseFrame(1001, 'bye').toString('hex'), '880503e9627965');
  assert.equal(encodeFrame(Opcode.binary, Buffer.alloc(126)).subarray(0, 4).toString('hex'), '827e007e');
  assert.equal(encodeFrame(Opcode.binary, Buffer.alloc(65_536)).subarray(0, 10).toString('hex'), '827f0000000000010000');
  // What the encoders write, the tracker reads as whole frames.
  const t = new FrameBoundaryTracker();
  for (const f of [encodeBinaryFrame(Buffer.alloc(125)), encodeBinaryFrame(Buffer.alloc(126)), encodeBinaryFrame(Buffer.alloc(65_536))]) {
    t.push(f.subarray(0, f.length - 1));
    assert.equal(t.atBoundary, false);
    t.push(f.subarray(f.length - 1));
    assert.equal(t.atBoundary, true);
  }
  assert.equal(t.closeSeen, false);
  t.push(encodeCloseFrame());
  assert.deepEqual([t.atBoundary, t.closeSeen], [true, true]);
});
