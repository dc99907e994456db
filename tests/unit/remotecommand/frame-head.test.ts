// frameHead with hex bytes at each length class, and the two writes serveExec makes (head with the channel byte,
// then the payload) read back whole by ws's own Receiver and tracked frame by frame by the proxies' tracker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { frameHead, Opcode } from '../../../src/remotecommand/frame-head.ts';
import { FrameBoundaryTracker, encodeBinaryFrame } from '../../../src/proxy/ws-frames.ts';

// ws's Receiver (a Writable: frames in, 'message' out); its typings do not declare it.
type Receiver = { on(e: 'message', f: (data: Buffer, binary: boolean) => void): void; on(e: 'error', f: (err: Error) => void): void; write(b: Buffer): void };
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (o: { isServer: boolean; binaryType: string }) => Receiver };

test('headers: 7-bit, 16-bit and 64-bit lengths, FIN set, never masked, the prefix after them', () => {
  const ch = Uint8Array.of(1);
  assert.equal(frameHead(Opcode.binary, 1, ch).toString('hex'), '820101');
  assert.equal(frameHead(Opcode.binary, 125, ch).toString('hex'), '827d01');
  assert.equal(frameHead(Opcode.binary, 126, ch).toString('hex'), '827e007e01');
  assert.equal(frameHead(Opcode.binary, 65_535, ch).toString('hex'), '827effff01');
  assert.equal(frameHead(Opcode.binary, 65_537, ch).toString('hex'), '827f000000000001000101');
  assert.equal(frameHead(Opcode.close, 0).toString('hex'), '8800');
  assert.throws(() => frameHead(Opcode.binary, 0, ch), RangeError);
  assert.throws(() => frameHead(Opcode.binary, -1), RangeError);
});

test('head + payload is the frame encodeBinaryFrame makes of the joined message, at every length class', () => {
  for (const n of [0, 1, 124, 125, 126, 65_534, 65_535, 65_536, 200_000]) {
    const payload = Buffer.alloc(n, 0xab);
    const wire = Buffer.concat([frameHead(Opcode.binary, n + 1, Uint8Array.of(2)), payload]);
    assert.deepEqual(wire, encodeBinaryFrame(Buffer.concat([Buffer.of(2), payload])), `payload of ${n}`);
  }
});

test("ws's Receiver reads the two writes as one message each; the tracker stands at a boundary after each", () => {
  const got: Buffer[] = [];
  const r = new Receiver({ isServer: false, binaryType: 'nodebuffer' });
  r.on('message', (data) => got.push(data));
  r.on('error', (err) => assert.fail(err));
  const tracker = new FrameBoundaryTracker();
  const sizes = [0, 125, 65_535, 65_536, 300_000];
  for (const n of sizes) {
    const payload = Buffer.alloc(n, n & 0xff);
    for (const piece of [frameHead(Opcode.binary, n + 1, Uint8Array.of(1)), payload]) {
      r.write(piece);
      tracker.push(piece);
    }
    assert.equal(tracker.atBoundary, true, `after a message of ${n}`);
  }
  assert.deepEqual(got.map((m) => [m.length, m[0], m.subarray(1).every((b) => b === ((m.length - 1) & 0xff))]), sizes.map((n) => [n + 1, 1, true]));
});
