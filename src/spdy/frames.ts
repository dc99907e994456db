// SPDY/3 frames, encoded and decoded without sockets or zlib state (moby/spdystream spdy/read.go, write.go: the Framer).
// Header blocks stay the compressed bytes here; header-block.ts owns the zlib contexts.
import { ErrorCode, SpdyProtocolError } from './errors.ts';

export { SpdyProtocolError, ErrorCode } from './errors.ts';

export const FrameType = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
export const RstStatus = {
  protocolError: 1, invalidStream: 2, refusedStream: 3, unsupportedVersion: 4, cancel: 5, internalError: 6,
  flowControlError: 7, streamInUse: 8, streamAlreadyClosed: 9, invalidCredentials: 10, frameTooLarge: 11,
} as const;
export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;
export const Flag = { fin: 0x01, unidirectional: 0x02, clearSettings: 0x01 } as const;
export const SettingsId = {
  uploadBandwidth: 1, downloadBandwidth: 2, roundTripTime: 3, maxConcurrentStreams: 4, currentCwnd: 5,
  downloadRetransRate: 6, initialWindowSize: 7, clientCertificateVectorSize: 8,
} as const;

// spdystream writes version 3 and never checks the version it reads.
export const SPDY_VERSION = 3;
// A frame's length field is 24 bits; spdystream refuses to write a bigger DATA frame (spdy.MaxDataLength).
export const MAX_DATA_LENGTH = 0xffffff;
export const FRAME_HEAD_LENGTH = 8;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedId: number; priority: number; slot: number; flags: number; headerBlock: Buffer }
  | { type: 'synReply' | 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'windowUpdate'; streamId: number; delta: number };

// #region frame-head
// Control frame head: 1 bit "control" set, 15 bits version, 16 bits type, then 8 bits flags and a 24-bit length
// of what follows the head. Data frame head: control bit clear, 31 bits stream id, then flags and length alike.
// The head and the fixed fields after it (`fixed` bytes); `block` more bytes (a header block) follow.
function controlHead(type: number, flags: number, fixed: number, block = 0): Buffer {
  if (fixed + block > MAX_DATA_LENGTH) throw new SpdyProtocolError(ErrorCode.invalidControlFrame, `length ${fixed + block} > 2^24-1`);
  const b = Buffer.allocUnsafe(FRAME_HEAD_LENGTH + fixed);
  b.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type, 0);
  b.writeUInt32BE((flags & 0xff) * 0x1000000 + fixed + block, 4);
  return b;
}

export function encodeDataHead(streamId: number, flags: number, length: number): Buffer {
  // spdystream's writeDataFrame: stream id 0 and the control bit refused, at most 2^24-1 bytes
  if (streamId === 0) throw new SpdyProtocolError(ErrorCode.zeroStreamId);
  if (streamId > 0x7fffffff || streamId < 0 || length > MAX_DATA_LENGTH) {
    throw new SpdyProtocolError(ErrorCode.invalidDataFrame, `stream ${streamId}, ${length} bytes`, streamId);
  }
  const b = Buffer.allocUnsafe(FRAME_HEAD_LENGTH);
  b.writeUInt32BE(streamId, 0);
  b.writeUInt32BE((flags & 0xff) * 0x1000000 + length, 4);
  return b;
}
// #endregion frame-head

// One frame as bytes. A DATA frame is copied here; the connection writes encodeDataHead() and the payload
// as two writes instead.
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data':
      return Buffer.concat([encodeDataHead(f.streamId, f.flags, f.data.length), f.data]);
    case 'synStream': {
      nonZero(f.streamId);
      const b = controlHead(FrameType.synStream, f.flags, 10, f.headerBlock.length);
      b.writeUInt32BE(f.streamId, 8);
      b.writeUInt32BE(f.associatedId, 12);
      b[16] = (f.priority & 0x07) << 5; // 3 bits, the top of the byte
      b[17] = f.slot;
      return Buffer.concat([b, f.headerBlock]);
    }
    case 'synReply':
    case 'headers': {
      nonZero(f.streamId);
      const type = f.type === 'synReply' ? FrameType.synReply : FrameType.headers;
      const b = controlHead(type, f.flags, 4, f.headerBlock.length);
      b.writeUInt32BE(f.streamId, 8);
      return Buffer.concat([b, f.headerBlock]);
    }
    case 'rstStream': {
      nonZero(f.streamId);
      if (f.status === 0) throw new SpdyProtocolError(ErrorCode.invalidControlFrame, 'RST_STREAM status 0', f.streamId);
      const b = controlHead(FrameType.rstStream, 0, 8);
      b.writeUInt32BE(f.streamId, 8);
      b.writeUInt32BE(f.status, 12);
      return b;
    }
    case 'settings': {
      const b = controlHead(FrameType.settings, f.flags, 4 + 8 * f.entries.length);
      b.writeUInt32BE(f.entries.length, 8);
      f.entries.forEach((e, i) => {
        b.writeUInt32BE((e.flags & 0xff) * 0x1000000 + (e.id & 0xffffff), 12 + 8 * i);
        b.writeUInt32BE(e.value, 16 + 8 * i);
      });
      return b;
    }
    case 'ping': {
      nonZero(f.id);
      const b = controlHead(FrameType.ping, 0, 4);
      b.writeUInt32BE(f.id, 8);
      return b;
    }
    case 'goAway': {
      const b = controlHead(FrameType.goAway, 0, 8);
      b.writeUInt32BE(f.lastGoodStreamId, 8);
      b.writeUInt32BE(f.status, 12);
      return b;
    }
    case 'windowUpdate': {
      const b = controlHead(FrameType.windowUpdate, 0, 8);
      b.writeUInt32BE(f.streamId, 8);
      b.writeUInt32BE(f.delta, 12);
      return b;
    }
  }
}

function nonZero(id: number): void {
  if (id === 0) throw new SpdyProtocolError(ErrorCode.zeroStreamId);
}

type Head = { control: boolean; word: number; type: number; flags: number; length: number };

// #region frame-decoder
// Bytes in, frames out, in any cuts. Like spdystream's ReadFrame it rejects a frame as soon as it can tell:
// an unknown control type or an impossible length right at the 8-byte head, the rest once the payload is in.
// After an error the decoder stays failed (spdystream's read loop stops at the first error).
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private head: Head | undefined;
  private failed: SpdyProtocolError | undefined;

  push(chunk: Buffer): Frame[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (;;) {
        if (!this.head) {
          if (this.buffered < FRAME_HEAD_LENGTH) break;
          this.head = parseHead(this.take(FRAME_HEAD_LENGTH));
        }
        if (this.buffered < this.head.length) break;
        const payload = this.take(this.head.length);
        const head = this.head;
        this.head = undefined;
        frames.push(parsePayload(head, payload));
      }
    } catch (err) {
      const e = err instanceof SpdyProtocolError ? err : new SpdyProtocolError(ErrorCode.invalidControlFrame, String(err));
      e.frames = frames;
      this.failed = e;
      this.chunks = [];
      throw e;
    }
    return frames;
  }

  // Bytes held for a frame not complete yet (at most one frame: 8 + 2^24-1 bytes).
  get pending(): number {
    return this.buffered;
  }

  // The next n buffered bytes: a view when they sit in one chunk, one copy when they span several.
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0];
      const use = Math.min(c.length, n - at);
      c.copy(out, at, 0, use);
      at += use;
      if (use === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(use);
    }
    return out;
  }
}

function parseHead(b: Buffer): Head {
  const word = b.readUInt32BE(0);
  const flags = b[4];
  const length = b.readUIntBE(5, 3);
  if ((word & 0x80000000) === 0) {
    // DATA: spdystream reads the payload, then refuses stream id 0
    if (word === 0) throw new SpdyProtocolError(ErrorCode.zeroStreamId, 'DATA frame');
    return { control: false, word, type: 0, flags, length };
  }
  const type = word & 0xffff; // the version (bits 1-15) is not checked, as in spdystream
  const bad = (why: string) => new SpdyProtocolError(ErrorCode.invalidControlFrame, why);
  switch (type) {
    case FrameType.synStream:
      if (length < 10) throw bad(`SYN_STREAM length ${length} < 10`);
      break;
    case FrameType.synReply:
    case FrameType.headers:
      if (length < 4) throw bad(`${type === FrameType.synReply ? 'SYN_REPLY' : 'HEADERS'} length ${length} < 4`);
      break;
    // spdystream reads these fixed fields whatever the length says and so loses its place in the stream
    // when they differ: refusing the frame is the same outcome, said plainly.
    case FrameType.rstStream:
      if (length !== 8) throw bad(`RST_STREAM length ${length} != 8`);
      break;
    case FrameType.settings:
      if (length < 4 || (length - 4) % 8 !== 0) throw bad(`SETTINGS length ${length} is not 4 + 8 * entries`);
      break;
    case FrameType.ping:
      if (flags !== 0) throw bad(`PING flags ${flags}`);
      if (length !== 4) throw bad(`PING length ${length} != 4`);
      break;
    case FrameType.goAway:
      if (flags !== 0) throw bad(`GOAWAY flags ${flags}`);
      if (length !== 8) throw bad(`GOAWAY length ${length} != 8`);
      break;
    case FrameType.windowUpdate:
      if (flags !== 0) throw bad(`WINDOW_UPDATE flags ${flags}`);
      if (length !== 8) throw bad(`WINDOW_UPDATE length ${length} != 8`);
      break;
    default:
      // NOOP (5), CREDENTIAL (10) and anything else: spdystream has no constructor for them and its read loop
      // ends the connection.
      throw bad(`unknown control frame type ${type}`);
  }
  return { control: true, word, type, flags, length };
}

function parsePayload(h: Head, p: Buffer): Frame {
  if (!h.control) return { type: 'data', streamId: h.word & 0x7fffffff, flags: h.flags, data: p };
  // Stream ids are read as the whole 32-bit word, as spdystream does (the connection refuses ids > 2^31-1).
  switch (h.type) {
    case FrameType.synStream: {
      const streamId = p.readUInt32BE(0);
      if (streamId === 0) throw new SpdyProtocolError(ErrorCode.zeroStreamId, 'SYN_STREAM');
      return { type: 'synStream', streamId, associatedId: p.readUInt32BE(4), priority: p[8] >> 5, slot: p[9], flags: h.flags, headerBlock: p.subarray(10) };
    }
    case FrameType.synReply:
    case FrameType.headers: {
      const streamId = p.readUInt32BE(0);
      const type = h.type === FrameType.synReply ? 'synReply' : 'headers';
      if (streamId === 0) throw new SpdyProtocolError(ErrorCode.zeroStreamId, type === 'synReply' ? 'SYN_REPLY' : 'HEADERS');
      return { type, streamId, flags: h.flags, headerBlock: p.subarray(4) };
    }
    case FrameType.rstStream: {
      const streamId = p.readUInt32BE(0);
      const status = p.readUInt32BE(4);
      if (status === 0) throw new SpdyProtocolError(ErrorCode.invalidControlFrame, 'RST_STREAM status 0', streamId);
      if (streamId === 0) throw new SpdyProtocolError(ErrorCode.zeroStreamId, 'RST_STREAM');
      return { type: 'rstStream', streamId, status };
    }
    case FrameType.settings: {
      const count = p.readUInt32BE(0);
      if (p.length !== 4 + 8 * count) {
        throw new SpdyProtocolError(ErrorCode.invalidControlFrame, `SETTINGS with ${count} entries in ${p.length} bytes`);
      }
      const entries = [];
      for (let i = 0; i < count; i++) {
        const word = p.readUInt32BE(4 + 8 * i);
        entries.push({ flags: word >>> 24, id: word & 0xffffff, value: p.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'settings', flags: h.flags, entries };
    }
    case FrameType.ping: {
      const id = p.readUInt32BE(0);
      if (id === 0) throw new SpdyProtocolError(ErrorCode.zeroStreamId, 'PING id 0');
      return { type: 'ping', id };
    }
    case FrameType.goAway:
      return { type: 'goAway', lastGoodStreamId: p.readUInt32BE(0), status: p.readUInt32BE(4) };
    default: // windowUpdate: parseHead let no other type through
      return { type: 'windowUpdate', streamId: p.readUInt32BE(0), delta: p.readUInt32BE(4) };
  }
}
// #endregion frame-decoder
