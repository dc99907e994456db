// A SPDY tap, one per direction of a connection: the HTTP upgrade's head, then each SPDY/3.1 frame, as one line each.
// Pure (bytes in, lines out): scripts/spdy-tap.ts owns the sockets. No upstream counterpart: a reader's Wireshark.
import { FrameDecoder, type Frame } from './frames.ts';
import { HeaderDecompressor, type SpdyHeaders } from './header-block.ts';
import { describeFrame } from './describe.ts';

// The headers that tell the upgrade's story; the rest (User-Agent, Host...) is left out.
const SHOWN = new Set(['connection', 'upgrade', 'x-stream-protocol-version', 'sec-websocket-protocol', 'content-type']);
const MAX_HEAD = 1 << 20;

// #region spdy-tap
export class SpdyTap {
  private state: 'head' | 'spdy' | 'done' = 'head';
  private head = Buffer.alloc(0);
  private readonly frames = new FrameDecoder();
  // One zlib context per direction for the whole connection: every header block must be inflated, in order.
  private readonly headers = new HeaderDecompressor();

  push(chunk: Buffer): string[] {
    if (this.state === 'done') return [];
    if (this.state === 'spdy') return this.decode(chunk);
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > MAX_HEAD) this.state = 'done';
      return [];
    }
    const lines = this.head.subarray(0, end).toString('latin1').split('\r\n');
    const rest = this.head.subarray(end + 4);
    this.head = Buffer.alloc(0);
    const shown = [lines[0]!, ...lines.slice(1).filter((l) => SHOWN.has(l.slice(0, l.indexOf(':')).toLowerCase()))];
    // A request asking for SPDY, or the 101 that grants it: what follows is frames. Anything else is plain HTTP.
    const spdy = lines.some((l) => /^upgrade:\s*spdy\/3\.1$/i.test(l)) && !/^HTTP\/1\.1 (?!101)/.test(lines[0]!);
    this.state = spdy ? 'spdy' : 'done';
    return spdy ? [...shown, ...this.decode(rest)] : shown;
  }
  // #endregion spdy-tap

  // Frees the zlib context; the tap says nothing more.
  close(): void {
    this.state = 'done';
    this.headers.close();
  }

  private decode(chunk: Buffer): string[] {
    try {
      return this.frames.push(chunk).map((f) => describeFrame(f, this.inflate(f)));
    } catch (err) {
      this.state = 'done';
      return [`(not SPDY from here on: ${(err as Error).message})`];
    }
  }

  private inflate(f: Frame): SpdyHeaders | undefined {
    return 'headerBlock' in f ? this.headers.decompress(f.headerBlock) : undefined;
  }
}
