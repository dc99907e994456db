// Fuzz: random and mutated SPDY frames in random cuts, to FrameDecoder (+ header blocks) and to a SpdyConnection over an
// in-memory pair. The only outcomes allowed: frames, SpdyProtocolError, or a connection torn down and logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { FrameDecoder, SpdyProtocolError, encodeFrame, encodeDataHead, type Frame } from '../../../src/spdy/frames.ts';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from '../../../src/spdy/header-block.ts';
import { SpdyConnection } from '../../../src/spdy/connection.ts';

const SEED = Number(process.env.SPDY_FUZZ_SEED ?? Date.now() % 0xffffffff) >>> 0;
const DECODER_FRAMES = Number(process.env.SPDY_FUZZ_FRAMES ?? 80_000);
const CONNECTION_FRAMES = Math.round(DECODER_FRAMES / 4);
const withSeed = (msg: string) => `${msg} (seed ${SEED}: rerun with SPDY_FUZZ_SEED=${SEED})`;

// mulberry32: small, seeded, good enough to pick bytes and branches
function prng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, bytes, pick };
}
type Rng = ReturnType<typeof prng>;

const names = ['streamtype', 'a', ':path', 'x-stream-protocol-version', ''];
const refusedNames = ['host', 'connection', 'Upper']; // spdystream refuses these (some per frame type)
const values = ['error', 'stdin', 'stdout', 'stderr', 'resize', '', 'a\0b', 'x'.repeat(300)];

function randomHeaders(r: Rng): SpdyHeaders {
  const h: SpdyHeaders = {};
  for (let i = r.int(4); i > 0; i--) h[r.next() < 0.03 ? r.pick(refusedNames) : r.pick(names)] = r.pick(values);
  return h;
}

// A frame of any type with plausible fields; header blocks from the sender's own compression context.
function randomFrame(r: Rng, c: HeaderCompressor, nextId: () => number): Frame {
  const id = r.next() < 0.7 ? nextId() : r.int(2) ? r.int(20) + 1 : (r.int(0x7fffffff) + 1);
  switch (r.int(9)) {
    case 0: return { type: 'synStream', streamId: id, associatedId: r.int(3), priority: r.int(8), slot: r.int(2), flags: r.int(4), headerBlock: c.compress(randomHeaders(r)) };
    case 1: return { type: 'synReply', streamId: id, flags: r.int(2), headerBlock: c.compress(randomHeaders(r)) };
    case 2: return { type: 'headers', streamId: id, flags: r.int(2), headerBlock: c.compress(randomHeaders(r)) };
    case 3: return { type: 'rstStream', streamId: id, status: r.int(12) + 1 };
    case 4: return { type: 'settings', flags: r.int(2), entries: Array.from({ length: r.int(3) }, () => ({ flags: r.int(3), id: r.int(9), value: r.int(1 << 20) })) };
    case 5: return { type: 'ping', id: r.int(0xfffffff) + 1 };
    case 6: return { type: 'goAway', lastGoodStreamId: r.int(10), status: r.int(3) };
    case 7: return { type: 'windowUpdate', streamId: id, delta: r.int(1 << 20) };
    // now and then a DATA frame bigger than a socket read (its bytes do not matter, only its length)
    default: return { type: 'data', streamId: id, flags: r.int(2), data: r.next() < 0.05 ? Buffer.alloc(r.int(70_000), r.int(256)) : r.bytes(r.int(64)) };
  }
}

// The frame's bytes, most of the time as they are, else mutated one of several ways.
function mutate(r: Rng, b: Buffer): Buffer {
  const roll = r.next();
  if (roll < 0.9) return b;
  const m = Buffer.from(b);
  switch (r.int(7)) {
    case 0: for (let i = 1 + r.int(3); i > 0; i--) m[r.int(m.length)] = r.int(256); return m; // flipped bytes
    case 1: return m.subarray(0, r.int(m.length)); // cut short: the stream loses its place
    case 2: m.writeUIntBE(r.int(1 << 24), 5, 3); return m; // a lying length
    case 3: if (m[0] & 0x80) m.writeUInt16BE(r.int(16), 2); return m; // another (maybe unknown) control type
    case 4: return r.bytes(r.int(40)); // noise
    case 5: return Buffer.concat([m.subarray(0, 8), r.bytes(Math.max(0, m.length - 8))]); // a good head, a random body
    default: m.writeUInt16BE(0x8000 | r.int(0x8000), 0); return m; // any version (spdystream does not check it)
  }
}

// Random cuts: the bytes arrive in pieces of 1 byte to a few KiB.
function* cuts(r: Rng, b: Buffer): Generator<Buffer> {
  for (let at = 0; at < b.length;) {
    const n = 1 + r.int(r.next() < 0.3 ? 8 : 4096);
    yield b.subarray(at, at + n);
    at += n;
  }
}

test(`fuzz: ${DECODER_FRAMES} random and mutated frames to FrameDecoder and HeaderDecompressor, in random cuts`, () => {
  const r = prng(SEED);
  const started = performance.now();
  let frames = 0;
  let decoded = 0;
  let protocolErrors = 0;
  while (frames < DECODER_FRAMES) {
    const c = new HeaderCompressor();
    let id = 1;
    const nextId = () => (id += 2);
    const parts: Buffer[] = [];
    for (let i = 1 + r.int(30); i > 0; i--, frames++) parts.push(mutate(r, encodeFrame(randomFrame(r, c, nextId))));
    c.close();
    const d = new FrameDecoder();
    const hd = new HeaderDecompressor();
    try {
      for (const piece of cuts(r, Buffer.concat(parts))) {
        for (const f of d.push(piece)) {
          decoded++;
          if ('headerBlock' in f) hd.decompress(f.headerBlock, f.streamId);
        }
      }
    } catch (err) {
      assert.ok(err instanceof SpdyProtocolError, withSeed(`not a SpdyProtocolError: ${(err as Error).stack}`));
      protocolErrors++;
    } finally {
      hd.close();
    }
  }
  const ms = performance.now() - started;
  console.log(`# decoder fuzz: seed ${SEED}, ${frames} frames, ${decoded} decoded, ${protocolErrors} streams refused, ${ms.toFixed(0)} ms`);
  assert.ok(decoded > frames / 3 && protocolErrors > 0, withSeed('the mix produced both frames and refusals'));
});

// Two ends of an in-memory byte pipe, each a Duplex like a socket: end() is EOF for the peer, destroy() closes both.
function memoryPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (i: number) => new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      const peer = ends[1 - i];
      if (!peer.readableEnded && !peer.destroyed && !(peer as Duplex & { eof?: boolean }).eof) peer.push(chunk);
      cb();
    },
    final(cb) {
      const peer = ends[1 - i] as Duplex & { eof?: boolean };
      if (!peer.eof && !peer.destroyed) { peer.eof = true; peer.push(null); }
      cb();
    },
    destroy(err, cb) {
      const peer = ends[1 - i];
      if (!peer.destroyed) process.nextTick(() => peer.destroy());
      cb(err);
    },
  });
  ends.push(make(0), make(1));
  return [ends[0], ends[1]];
}

test(`fuzz: ${CONNECTION_FRAMES} random and mutated frames to SpdyConnections, in random cuts: no crash, always torn down`, async () => {
  const r = prng(SEED ^ 0x5bd1e995);
  const started = performance.now();
  let frames = 0;
  let connections = 0;
  let streams = 0;
  let protocolTeardowns = 0;
  while (frames < CONNECTION_FRAMES) {
    const [attacker, victim] = memoryPair();
    attacker.on('error', () => {});
    attacker.resume(); // whatever the victim answers is read and dropped
    const logs: string[] = [];
    const conn = new SpdyConnection(victim, { role: r.int(2) ? 'server' : 'client', log: (l) => logs.push(l), idleTimeoutMs: 60_000 });
    conn.onStream = (s) => {
      streams++;
      switch (r.int(4)) {
        case 0: s.refuse(); break;
        case 1: s.reset(); break;
        case 2: s.reply(); s.resume(); s.end('answer'); break;
        default: s.reply(); s.pipe(s); // echo
      }
    };
    if (r.int(4) === 0) conn.createStream({ streamtype: 'error' }, 50).catch(() => {});
    const c = new HeaderCompressor();
    let id = -1;
    const nextId = () => (id += 2);
    const parts: Buffer[] = [];
    for (let i = 1 + r.int(40); i > 0; i--, frames++) {
      const f = randomFrame(r, c, nextId);
      parts.push(mutate(r, f.type === 'data' ? Buffer.concat([encodeDataHead(f.streamId, f.flags, f.data.length), f.data]) : encodeFrame(f)));
    }
    c.close();
    for (const piece of cuts(r, Buffer.concat(parts))) attacker.write(piece);
    attacker.end();
    await conn.closed;
    connections++;
    const internal = logs.filter((l) => /internal error|stream handler failed/.test(l));
    assert.deepEqual(internal, [], withSeed('internal errors'));
    if (logs.some((l) => /frame read error/.test(l))) protocolTeardowns++;
    assert.equal(conn.streams.size, 0, withSeed('streams left in the table after the teardown'));
    attacker.destroy();
  }
  const ms = performance.now() - started;
  console.log(`# connection fuzz: seed ${SEED}, ${frames} frames, ${connections} connections, ${streams} streams, ${protocolTeardowns} protocol teardowns, ${ms.toFixed(0)} ms`);
  assert.ok(streams > 0 && protocolTeardowns > 0, withSeed('the mix opened streams and broke connections'));
});
