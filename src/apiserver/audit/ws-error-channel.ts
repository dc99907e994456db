// Follows the server→client half of a remotecommand WebSocket and keeps what the server wrote on channel 3 (the
// error channel: a Status in v4/v5, text before). Pure: bytes in, bounded state, no sockets (RFC 6455 §5.2;
// channels as apimachinery wsstream/conn.go frames them, base64 protocols as text frames with an ASCII digit).

const ERROR_CHANNEL = 3;
const MAX_ERROR_BYTES = 64 * 1024;

export class WebSocketErrorChannel {
  private header: number[] = [];
  private payloadLeft = 0;
  private mask?: number[];
  private maskPos = 0;
  private opcode = 0;
  private fin = false;
  // The message being read: its channel once its first payload byte is known; whether it is kept.
  private messageChannel?: number;
  private messageText = false;
  private inMessage = false;
  private current: number[] = [];
  private kept: Buffer[] = [];
  private keptBytes = 0;
  closed = false;
  // The peer sent something that is not WebSocket framing: stop reading, say so.
  broken = false;

  constructor(private readonly base64: boolean) {}

  push(chunk: Uint8Array): void {
    if (this.broken) return;
    let i = 0;
    while (i < chunk.length) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - i);
        this.payload(chunk.subarray(i, i + take));
        this.payloadLeft -= take;
        i += take;
        if (this.payloadLeft === 0) this.frameEnd();
        continue;
      }
      this.header.push(chunk[i++]!);
      const need = headerLength(this.header);
      if (need === undefined || this.header.length < need) continue;
      this.startFrame();
      if (this.broken) return;
      if (this.payloadLeft === 0) this.frameEnd();
    }
  }

  // Everything channel 3 carried, in order (base64 already decoded).
  errorBytes(): Buffer { return Buffer.concat(this.kept); }

  private startFrame(): void {
    const h = this.header;
    this.header = [];
    // RSV bits mean an extension (permessage-deflate): payloads we could not read. Our servers never negotiate one.
    if (h[0]! & 0x70) { this.broken = true; return; }
    this.fin = (h[0]! & 0x80) !== 0;
    this.opcode = h[0]! & 0x0f;
    const len7 = h[1]! & 0x7f;
    let len = len7;
    let p = 2;
    if (len7 === 126) { len = (h[2]! << 8) | h[3]!; p = 4; }
    else if (len7 === 127) {
      len = 0;
      for (let k = 2; k < 10; k++) len = len * 256 + h[k]!;
      p = 10;
      if (!Number.isSafeInteger(len)) { this.broken = true; return; }
    }
    this.mask = h[1]! & 0x80 ? h.slice(p, p + 4) : undefined;
    this.maskPos = 0;
    this.payloadLeft = len;
    if (this.opcode === 0x8) this.closed = true;
    if (this.opcode === 0x1 || this.opcode === 0x2) {
      if (this.inMessage) { this.broken = true; return; }
      this.inMessage = true;
      this.messageChannel = undefined;
      this.messageText = this.opcode === 0x1;
      this.current = [];
    } else if (this.opcode === 0x0 && !this.inMessage) { this.broken = true; }
    else if (this.opcode > 0xa || (this.opcode > 0x2 && this.opcode < 0x8)) { this.broken = true; }
  }

  // Only the first byte of each message (its channel) and the error channel's bytes are looked at; stdout and
  // stderr pass untouched, so a large output costs no per-byte work here.
  private payload(bytes: Uint8Array): void {
    if (this.opcode > 0x2 || bytes.length === 0) return; // control frames (ping, pong, close) carry nothing for us
    const unmask = (b: number) => (this.mask ? b ^ this.mask[this.maskPos++ % 4]! : b);
    let k = 0;
    if (this.messageChannel === undefined) {
      const b = unmask(bytes[0]!);
      this.messageChannel = this.base64 ? b - 0x30 : b;
      k = 1;
    }
    if (this.messageChannel !== ERROR_CHANNEL) { this.maskPos += bytes.length - k; return; }
    for (; k < bytes.length && this.keptBytes + this.current.length < MAX_ERROR_BYTES; k++) this.current.push(unmask(bytes[k]!));
    this.maskPos += bytes.length - k;
  }

  private frameEnd(): void {
    if (this.opcode > 0x2 || !this.fin) return;
    if (this.messageChannel === ERROR_CHANNEL && this.current.length) {
      const raw = Buffer.from(this.current);
      const bytes = this.base64 ? Buffer.from(raw.toString('latin1'), 'base64') : raw;
      this.kept.push(bytes);
      this.keptBytes += bytes.length;
    }
    this.inMessage = false;
    this.current = [];
  }
}

function headerLength(h: readonly number[]): number | undefined {
  if (h.length < 2) return undefined;
  const len7 = h[1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (h[1]! & 0x80 ? 4 : 0);
}
