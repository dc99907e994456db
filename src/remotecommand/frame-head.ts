// Pure: the first bytes of one unmasked, final WebSocket frame (RFC 6455 §5.2), its header and the start of its payload,
// for a server that writes the rest of the payload itself right after them (ws's Sender.frame makes the same header).
// Why: a remotecommand message is one channel byte, then the output chunk; copying each 64 KiB chunk behind that byte
// cost a buffer per chunk (the copy and its garbage), where two writes in one writev cost nothing.

export const Opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

// The header for a payload of `payloadLength` bytes, followed by `prefix` (its first bytes, already counted in
// payloadLength): 2 bytes, plus 2 or 8 bytes of extended length from 126 and 65,536 bytes on. A server never masks.
export function frameHead(opcode: number, payloadLength: number, prefix: Uint8Array = new Uint8Array()): Buffer {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < prefix.byteLength) throw new RangeError(`invalid payload length ${payloadLength}`);
  const extra = payloadLength < 126 ? 0 : payloadLength < 0x10000 ? 2 : 8;
  const head = Buffer.allocUnsafe(2 + extra + prefix.byteLength);
  head[0] = 0x80 | opcode; // FIN: the whole message in one frame
  if (extra === 0) head[1] = payloadLength;
  else if (extra === 2) { head[1] = 126; head.writeUInt16BE(payloadLength, 2); }
  else { head[1] = 127; head.writeBigUInt64BE(BigInt(payloadLength), 2); }
  head.set(prefix, 2 + extra);
  return head;
}
