// Pure WebSocket frame bookkeeping for a proxy that only relays bytes: where the frames of one direction begin
// and end, and frames it may add itself (RFC 6455 §5.2; the byte pipe of apimachinery upgradeaware.go never looks).
// Bytes in, state and bytes out: no sockets, no timers.

import { frameHead, Opcode } from '../remotecommand/frame-head.ts';

export { Opcode };

// Follows one direction of a WebSocket stream without buffering it: push() every chunk as it is relayed,
// then ask whether the stream stands between two frames (a frame added there is well formed) and whether
// a close frame has started (the peer has said goodbye; nothing may follow it).
export class FrameBoundaryTracker {
  // Bytes of the current frame's header seen so far (at most 14: 2 + 8 length + 4 mask).
  private header: number[] = [];
  private payloadLeft = 0n;
  private sawClose = false;

  get atBoundary(): boolean { return this.header.length === 0 && this.payloadLeft === 0n; }
  get closeSeen(): boolean { return this.sawClose; }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.payloadLeft > 0n) {
        const take = BigInt(chunk.length - i) < this.payloadLeft ? chunk.length - i : Number(this.payloadLeft);
        this.payloadLeft -= BigInt(take);
        i += take;
        continue;
      }
      this.header.push(chunk[i++]!);
      const need = headerLength(this.header);
      if (need === undefined || this.header.length < need) continue;
      const { opcode, payloadLength } = parseHeader(this.header);
      if (opcode === Opcode.close) this.sawClose = true;
      this.payloadLeft = payloadLength;
      this.header = [];
    }
  }
}

// The full header length once its first two bytes are known: 2, plus 2 or 8 extended length bytes, plus 4 if masked.
function headerLength(h: readonly number[]): number | undefined {
  if (h.length < 2) return undefined;
  const len7 = h[1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (h[1]! & 0x80 ? 4 : 0);
}

function parseHeader(h: readonly number[]): { opcode: number; payloadLength: bigint } {
  const opcode = h[0]! & 0x0f;
  const len7 = h[1]! & 0x7f;
  let payloadLength = BigInt(len7);
  if (len7 === 126) payloadLength = BigInt((h[2]! << 8) | h[3]!);
  else if (len7 === 127) {
    payloadLength = 0n;
    for (let k = 2; k < 10; k++) payloadLength = (payloadLength << 8n) | BigInt(h[k]!);
  }
  return { opcode, payloadLength };
}

// One unmasked, final frame, as a server sends it (a server never masks, §5.1).
export function encodeFrame(opcode: number, payload: Uint8Array): Buffer {
  return Buffer.concat([frameHead(opcode, payload.byteLength), payload]);
}

export function encodeBinaryFrame(payload: Uint8Array): Buffer { return encodeFrame(Opcode.binary, payload); }
export function encodeTextFrame(text: string): Buffer { return encodeFrame(Opcode.text, Buffer.from(text, 'utf8')); }

// A close frame with a status code (1000: normal closure, what kubectl requires to call the stream ended).
export function encodeCloseFrame(code = 1000, reason = ''): Buffer {
  const r = Buffer.from(reason, 'utf8');
  const payload = Buffer.alloc(2 + r.length);
  payload.writeUInt16BE(code, 0);
  r.copy(payload, 2);
  return encodeFrame(Opcode.close, payload);
}
