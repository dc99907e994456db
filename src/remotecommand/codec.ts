// Pure codec for remotecommand over WebSocket: channel messages, the v5 close signal, resize JSON (wsstream/conn.go, remotecommand/resize.go).
import { Channel, type ProtocolInfo } from './protocols.ts';
import type { TerminalSize } from '../exec/executor.ts';

// A malformed message. `fatal` ones end the session (Go's wsstream stops its read loop on a bad
// close signal); the others cost only the one message.
export class ProtocolError extends Error {
  constructor(message: string, readonly fatal = false) { super(message); this.name = 'ProtocolError'; }
}

export type Decoded =
  | { kind: 'data'; channel: number; data: Uint8Array }
  | { kind: 'close'; channel: number };

// #region encode
// One WebSocket message per write: the channel byte, then the payload. Base64 protocols send a
// text message instead: the ASCII digit of the channel, then the payload in padded base64.
export function encodeMessage(protocol: ProtocolInfo, channel: number, payload: Uint8Array): Uint8Array | string {
  if (protocol.base64) {
    if (channel > 9) throw new ProtocolError(`channel ${channel} cannot be written on ${protocol.name || 'base64'}: one ASCII digit only`);
    return String.fromCharCode(48 + channel) + Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  }
  // Unzeroed memory (every byte is written just below; zeroing 64 KiB per output chunk was measurable),
  // seen as a plain Uint8Array, as the decoder's results are.
  const buf = Buffer.allocUnsafe(payload.byteLength + 1);
  const out = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

// The same message as the pieces to write one after the other, for a transport that frames them without joining
// them (serve-exec.ts): the channel byte, then the payload itself, uncopied. Base64 protocols: the one text message.
export type MessageParts = readonly [channel: Uint8Array, payload: Uint8Array];
export function encodeMessageParts(protocol: ProtocolInfo, channel: number, payload: Uint8Array): MessageParts | string {
  if (protocol.base64) return encodeMessage(protocol, channel, payload) as string;
  return [Uint8Array.of(channel), payload];
}

// v5 only: "I will send no more on this channel" (client-go sends [255, 0] at stdin EOF).
export function encodeCloseSignal(channel: number): Uint8Array {
  return Uint8Array.of(Channel.close, channel);
}
// #endregion encode

// Strict like Go's base64.StdEncoding: padding required, no whitespace, no URL alphabet. Node's decoder
// skips what it does not understand, so the check is that the bytes encode back to exactly the text
// (native speed, where a regular expression over a large payload was ~15x slower than decoding).
// Unlike Go, this also refuses non-zero padding bits, which no encoder produces.
export function decodeBase64Strict(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw new ProtocolError(`invalid base64 payload (${text.length} chars): expected standard base64 with padding`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// #region decode
export function decodeMessage(protocol: ProtocolInfo, message: Uint8Array | string, isBinary: boolean): Decoded {
  const name = protocol.name || 'channel.k8s.io';
  if (protocol.base64) {
    const text = typeof message === 'string' ? message : Buffer.from(message).toString('latin1');
    if (text.length === 0) throw new ProtocolError('empty message: no channel digit');
    const digit = text.charCodeAt(0) - 48;
    if (digit < 0 || digit > 9) throw new ProtocolError(`invalid channel ${JSON.stringify(text[0])} on ${name}: expected an ASCII digit`);
    return { kind: 'data', channel: digit, data: decodeBase64Strict(text.slice(1)) };
  }
  if (!isBinary || typeof message === 'string') throw new ProtocolError(`unexpected text message on ${name}: every message must be binary`);
  if (message.byteLength === 0) throw new ProtocolError('empty message: no channel byte');
  const channel = message[0]!;
  if (channel === Channel.close && protocol.closeSignal) {
    if (message.byteLength !== 2) throw new ProtocolError(`malformed close signal: expected 2 bytes [255, channel], got ${message.byteLength}`, true);
    return { kind: 'close', channel: message[1]! };
  }
  return { kind: 'data', channel, data: message.subarray(1) };
}
// #endregion decode

// #region resize
// The resize channel is a stream of concatenated JSON objects that may arrive split across
// messages: kubectl writes {"Width":100,"Height":30}\n, client-node {"height":30,"width":100}.
// Keys match whatever their case, as Go's encoding/json does. Sizes are uint16.
export class ResizeDecoder {
  private buf: number[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  private failed: ProtocolError | null = null;

  constructor(private readonly maxObjectBytes = 4096) {}

  push(chunk: Uint8Array): TerminalSize[] {
    if (this.failed) throw this.failed;
    const sizes: TerminalSize[] = [];
    for (const byte of chunk) {
      if (this.depth === 0) {
        if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
        if (byte !== 0x7b) return this.fail(`resize: expected a JSON object, got ${JSON.stringify(String.fromCharCode(byte))}`);
      }
      this.buf.push(byte);
      if (this.buf.length > this.maxObjectBytes) return this.fail(`resize: JSON object longer than ${this.maxObjectBytes} bytes`);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === 0x5c) this.escaped = true;
        else if (byte === 0x22) this.inString = false;
        continue;
      }
      if (byte === 0x22) this.inString = true;
      else if (byte === 0x7b) this.depth++;
      else if (byte === 0x7d && --this.depth === 0) {
        sizes.push(this.parse(Buffer.from(this.buf).toString('utf8')));
        this.buf = [];
      }
    }
    return sizes;
  }

  private parse(text: string): TerminalSize {
    let value: unknown;
    try { value = JSON.parse(text); } catch (err) { return this.fail(`resize: ${(err as Error).message}`); }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail('resize: expected a JSON object');
    let width = 0, height = 0;
    for (const [key, v] of Object.entries(value)) {
      const k = key.toLowerCase();
      if (k !== 'width' && k !== 'height') continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) return this.fail(`resize: ${key} must be an integer from 0 to 65535, got ${JSON.stringify(v)}`);
      if (k === 'width') width = v; else height = v;
    }
    return { width, height };
  }

  private fail(message: string): never {
    this.failed = new ProtocolError(message);
    throw this.failed;
  }
}
// #endregion resize
