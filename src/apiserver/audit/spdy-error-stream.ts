// Finds a SPDY exec's error stream and keeps what the server wrote on it: the client's SYN_STREAMs say which
// stream is `streamtype: error` (their header blocks inflate in order, one zlib context per direction), the
// server's DATA frames on that stream carry the Status. Pure: bytes in, bounded state; frames are skimmed by their
// 8-byte heads, and only the few we need are kept (client-go tools/remotecommand, moby/spdystream framing).
import { HeaderDecompressor } from '../../spdy/header-block.ts';
import type { ErrorStreamDecoder } from './exec-session.ts';

const MAX_ERROR_BYTES = 64 * 1024;
const MAX_CONTROL_FRAME = 1 << 20;
const SYN_STREAM = 1, GOAWAY = 7, HEADERS = 8, FIN = 0x01;

interface FrameHead { control: boolean; type: number; streamId: number; flags: number; length: number }

// Walks frame boundaries without buffering data: for each frame the caller says whether it wants the payload.
class FrameSkimmer {
  private head: number[] = [];
  private frame?: FrameHead;
  private left = 0;
  private payload?: Buffer[];

  constructor(private readonly want: (h: FrameHead) => boolean, private readonly onFrame: (h: FrameHead, payload?: Buffer) => void,
    private readonly onData?: (h: FrameHead, bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (!this.frame) {
        this.head.push(chunk[i++]!);
        if (this.head.length < 8) continue;
        this.frame = parseHead(this.head);
        this.head = [];
        this.left = this.frame.length;
        if (this.frame.control && this.frame.length > MAX_CONTROL_FRAME) throw new Error(`control frame of ${this.frame.length} bytes`);
        this.payload = this.want(this.frame) ? [] : undefined;
        if (this.left === 0) this.end();
        continue;
      }
      const take = Math.min(this.left, chunk.length - i);
      const bytes = chunk.subarray(i, i + take);
      this.payload?.push(bytes);
      if (!this.frame.control) this.onData?.(this.frame, bytes);
      this.left -= take;
      i += take;
      if (this.left === 0) this.end();
    }
  }

  private end(): void {
    const f = this.frame!;
    this.frame = undefined;
    this.onFrame(f, this.payload && Buffer.concat(this.payload));
    this.payload = undefined;
  }
}

function parseHead(h: number[]): FrameHead {
  const b = Buffer.from(h);
  const control = (b[0]! & 0x80) !== 0;
  return {
    control,
    type: control ? b.readUInt16BE(2) : 0,
    streamId: control ? 0 : b.readUInt32BE(0) & 0x7fffffff,
    flags: b[4]!,
    length: b.readUIntBE(5, 3),
  };
}

export class SpdyErrorStream implements ErrorStreamDecoder {
  private readonly inflate = new HeaderDecompressor();
  private errorStreamId?: number;
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private finished = false;
  private goAway = false;
  unreadable?: string;

  private readonly client = new FrameSkimmer(
    (h) => h.control && (h.type === SYN_STREAM || h.type === HEADERS),
    (h, payload) => {
      if (!payload) return;
      // Every client header block is inflated, even the ones we do not need: the zlib context runs across them.
      const streamId = payload.readUInt32BE(0) & 0x7fffffff;
      const headers = this.inflate.decompress(payload.subarray(h.type === SYN_STREAM ? 10 : 4), streamId);
      if (h.type === SYN_STREAM && headers.streamtype === 'error' && this.errorStreamId === undefined) this.errorStreamId = streamId;
    });

  private readonly server = new FrameSkimmer(
    (h) => h.control && h.type === GOAWAY,
    (h) => {
      if (h.control && h.type === GOAWAY) this.goAway = true;
      if (!h.control && h.streamId === this.errorStreamId && h.flags & FIN) this.finished = true;
    },
    (h, bytes) => {
      if (h.streamId !== this.errorStreamId || this.keptBytes >= MAX_ERROR_BYTES) return;
      this.kept.push(Buffer.from(bytes));
      this.keptBytes += bytes.length;
    });

  fromClient(chunk: Buffer): void { this.guard(() => this.client.push(chunk)); }
  toClient(chunk: Buffer): void { this.guard(() => this.server.push(chunk)); }
  errorBytes(): Buffer { return Buffer.concat(this.kept); }
  // The server wrote its status and closed the error stream, or said GOAWAY (httpstream's Close: RST every stream, GOAWAY).
  get endedCleanly(): boolean { return this.finished || this.goAway; }

  close(): void { this.inflate.close(); }

  private guard(f: () => void): void {
    if (this.unreadable) return;
    try { f(); } catch (err) { this.unreadable = `not SPDY/3.1 framing: ${(err as Error).message}`; }
  }
}
