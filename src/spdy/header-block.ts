// SPDY/3 header blocks: the name/value block and its zlib compression, one context per direction per connection
// (moby/spdystream spdy/write.go writeHeaderValueBlock, read.go parseHeaderValueBlock, the Framer's compressor).
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.ts';
import { ErrorCode, SpdyProtocolError } from './errors.ts';
import { SyncZlib } from './zlib-sync.ts';

// Names lowercase; several values of one name NUL-joined in one string. Strings hold bytes (latin1), as Go's do.
export type SpdyHeaders = Record<string, string>;

// A header block can declare up to 2^32-1 byte lengths; a compressed one of 16 MiB could inflate to gigabytes.
// spdystream allocates what it is told; we stop at this (Kubernetes sends blocks of a few dozen bytes).
export const MAX_HEADER_BLOCK = 1 << 20;

// #region header-block
// Uncompressed: the number of pairs, then each name and value, every count and length 32 bits (SPDY/3; SPDY/2
// used 16). Names are lowercased on the way out as spdystream does (Go's http.Header holds "Streamtype").
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.allocUnsafe(4);
  let pairs = 0;
  parts.push(count);
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase(), 'latin1');
    const v = Buffer.from(value, 'latin1');
    const nl = Buffer.allocUnsafe(4);
    nl.writeUInt32BE(n.length);
    const vl = Buffer.allocUnsafe(4);
    vl.writeUInt32BE(v.length);
    parts.push(nl, n, vl, v);
    pairs++;
  }
  count.writeUInt32BE(pairs);
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer, streamId = 0): SpdyHeaders {
  const short = () => new SpdyProtocolError(ErrorCode.wrongCompressedPayloadSize, 'header block ends early', streamId);
  if (block.length < 4) throw short();
  const count = block.readUInt32BE(0);
  // each pair takes at least its two lengths: a count the block cannot hold is refused before any loop
  if (count > (block.length - 4) / 8) throw short();
  const headers: SpdyHeaders = {};
  let at = 4;
  const field = (): string => {
    if (at + 4 > block.length) throw short();
    const len = block.readUInt32BE(at);
    at += 4;
    if (len > block.length - at) throw short();
    const s = block.toString('latin1', at, at + len);
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const start = at + 4;
    const name = field();
    // spdystream compares the name with strings.ToLower(name): any upper-case letter, ASCII or not, is refused
    const utf8 = block.toString('utf8', start, start + name.length);
    if (utf8 !== utf8.toLowerCase()) throw new SpdyProtocolError(ErrorCode.unlowercasedHeaderName, JSON.stringify(utf8), streamId);
    const value = field();
    // A repeated name adds its values: spdystream's duplicate check looks up the lowercase name in an
    // http.Header whose keys Add() has canonicalised ("Streamtype"), so in practice it merges them too.
    const prior = Object.hasOwn(headers, name) ? headers[name] : undefined;
    // defineProperty: a header named __proto__ is a header, not the object's prototype
    Object.defineProperty(headers, name, { value: prior === undefined ? value : `${prior}\0${value}`, enumerable: true, writable: true, configurable: true });
  }
  if (at !== block.length) {
    // spdystream would leave these bytes in its inflater and read them as the start of the next block
    throw new SpdyProtocolError(ErrorCode.wrongCompressedPayloadSize, `${block.length - at} bytes after the header block`, streamId);
  }
  return headers;
}
// #endregion header-block

// What spdystream refuses in a SYN_STREAM (request headers), a SYN_REPLY (response headers) or a HEADERS frame
// (request set on even stream ids, response set on odd: its own rule, kept).
const invalidRequestHeaders = new Set(['connection', 'host', 'keep-alive', 'proxy-connection', 'transfer-encoding']);
const invalidResponseHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding']);

export function checkHeaders(frameType: 'synStream' | 'synReply' | 'headers', streamId: number, headers: SpdyHeaders): void {
  const invalid = frameType === 'synStream' || (frameType === 'headers' && streamId % 2 === 0) ? invalidRequestHeaders : invalidResponseHeaders;
  for (const name of Object.keys(headers)) {
    if (invalid.has(name)) throw new SpdyProtocolError(ErrorCode.invalidHeaderPresent, name, streamId);
  }
}

// #region compression
// One deflate context for everything this side sends (SYN_STREAM, SYN_REPLY, HEADERS): zlib level 9 with the
// SPDY/3 dictionary, a sync flush after each block so the peer can inflate it whole. The first block starts with
// the zlib header naming the dictionary (78 f9 + its Adler-32, e3 c6 a7 c2); later blocks continue the stream.
export class HeaderCompressor {
  private readonly z = new SyncZlib('deflate', { level: 9, dictionary: SPDY3_DICTIONARY });

  compress(headers: SpdyHeaders): Buffer {
    return this.z.process(encodeHeaderBlock(headers), zlib.constants.Z_SYNC_FLUSH).output;
  }

  close(): void {
    this.z.close();
  }
}

// One inflate context for everything the peer sends: each block must inflate to exactly one header block and
// use all its bytes (spdystream: "compressed payload size was incorrect").
export class HeaderDecompressor {
  private readonly z = new SyncZlib('inflate', { dictionary: SPDY3_DICTIONARY });

  decompress(block: Buffer, streamId = 0): SpdyHeaders {
    let out: { output: Buffer; unused: number };
    try {
      out = this.z.process(block, zlib.constants.Z_SYNC_FLUSH, MAX_HEADER_BLOCK);
    } catch (err) {
      throw new SpdyProtocolError(ErrorCode.wrongCompressedPayloadSize, (err as Error).message, streamId);
    }
    if (out.unused > 0) {
      throw new SpdyProtocolError(ErrorCode.wrongCompressedPayloadSize, `${out.unused} bytes after the end of the zlib stream`, streamId);
    }
    return decodeHeaderBlock(out.output, streamId);
  }

  close(): void {
    this.z.close();
  }
}
// #endregion compression
