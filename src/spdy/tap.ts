// A SPDY tap, one per direction of a connection: the HTTP upgrade's head, then each SPDY/3.1 frame, as one line each.
// Pure (bytes in, lines out): scripts/spdy-tap.ts owns the sockets. No upstream counterpart: a reader's Wireshark.
import { FrameDecoder, type Frame } from './frames.ts';
import { HeaderDecompressor, type SpdyHeaders } from './header-block.ts';
import { describeFrame } from './describe.ts';

// The headers that tell the upgrade's story; the rest (User-Agent, Host...) is left out.
const SHOWN = new Set(['connection', 'upgrade', 'x-stream-protocol-version', 'sec-websocket-protocol', 'content-type']);
const MAX_HEAD = 1 << 20;

export class SpdyTap {
  private state: 'head' | 'body' | 'chunked' | 'spdy' | 'done' = 'head';
  private buffered = Buffer.alloc(0);
  private bodyLeft = 0;
  private readonly frames = new FrameDecoder();
  // One zlib context per direction for the whole connection: every header block must be inflated, in order.
  private readonly headers = new HeaderDecompressor();
  // An upgrade was asked for (a request) or granted (a 101) on this side: the connection is a stream's, not plain HTTP.
  upgrade = false;

  push(chunk: Buffer): string[] {
    const mode = this.state; // read once: the loop below moves this.state on as heads go by
    if (mode === 'done') return [];
    if (mode === 'spdy') return this.decode(chunk);
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const lines: string[] = [];
    // Plain HTTP, request after request on a kept-alive connection, until an upgrade turns it into SPDY.
    for (let state = this.state; state !== 'spdy' && state !== 'done'; state = this.state) {
      if (state === 'body') {
        const take = Math.min(this.bodyLeft, this.buffered.length);
        this.buffered = this.buffered.subarray(take);
        this.bodyLeft -= take;
        if (this.bodyLeft > 0) break;
        this.state = 'head';
      } else if (state === 'chunked') {
        const eol = this.buffered.indexOf('\r\n');
        if (eol < 0) break;
        const size = parseInt(this.buffered.subarray(0, eol).toString('latin1'), 16);
        if (!Number.isFinite(size)) { this.state = 'done'; break; }
        if (this.buffered.length < eol + 2 + size + 2) break;
        this.buffered = this.buffered.subarray(eol + 2 + size + 2); // a last chunk with trailers is not expected here
        if (size === 0) this.state = 'head';
      } else {
        const end = this.buffered.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.buffered.length > MAX_HEAD) this.state = 'done';
          break;
        }
        const head = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
        this.buffered = this.buffered.subarray(end + 4);
        lines.push(...this.onHead(head));
      }
    }
    if (this.state === 'spdy') {
      const rest = this.buffered;
      this.buffered = Buffer.alloc(0);
      lines.push(...this.decode(rest));
    }
    return lines;
  }

  // A request asking for SPDY, or the 101 that grants it: what follows is frames. Any other head is shown by its
  // first line (and the headers that tell an upgrade's story, for upgrades and refusals); its body is skipped.
  private onHead(head: string[]): string[] {
    const header = (name: string) => head.slice(1).find((l) => l.slice(0, l.indexOf(':')).toLowerCase() === name)?.replace(/^[^:]*:\s*/, '');
    const upgrade = header('upgrade');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]!)?.[1];
    if (upgrade) this.upgrade = true;
    const shown = upgrade || (status && !status.startsWith('2'))
      ? [head[0]!, ...head.slice(1).filter((l) => SHOWN.has(l.slice(0, l.indexOf(':')).toLowerCase()))]
      : [head[0]!];
    if (/^spdy\/3\.1$/i.test(upgrade ?? '') && (status === undefined || status === '101')) this.state = 'spdy';
    else if (status === '101' || upgrade) this.state = 'done'; // another protocol (a WebSocket): not ours to read
    else if (/chunked/i.test(header('transfer-encoding') ?? '')) this.state = 'chunked';
    else {
      this.bodyLeft = Number(header('content-length') ?? 0) || 0;
      this.state = 'body';
    }
    return shown;
  }

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
