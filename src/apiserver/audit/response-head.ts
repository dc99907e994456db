// Reads what a handler wrote on a raw upgrade socket: the HTTP response head (status, headers), then for a
// refusal its body (a Status, usually). Pure: bytes in, nothing out until asked; bounded.
import type { Status } from '../../api/status.ts';

const MAX_HEAD = 16 * 1024;
const MAX_BODY = 64 * 1024;

export interface ResponseHead { code: number; headers: Record<string, string> }

export class ResponseHeadReader {
  private buf = Buffer.alloc(0);
  private bodyBytes: Buffer[] = [];
  private bodyLength = 0;
  head?: ResponseHead;
  // True once more than the bounds arrived before a head: the bytes were not an HTTP response we can read.
  unreadable = false;

  // Returns the bytes that follow the head (the upgraded stream), once the head is complete.
  push(chunk: Buffer): Buffer | undefined {
    if (this.unreadable) return undefined;
    if (this.head) {
      if (this.head.code === 101) return chunk;
      if (this.bodyLength < MAX_BODY) { this.bodyBytes.push(chunk); this.bodyLength += chunk.length; }
      return undefined;
    }
    this.buf = Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buf.length > MAX_HEAD) { this.unreadable = true; this.buf = Buffer.alloc(0); }
      return undefined;
    }
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) { this.unreadable = true; return undefined; }
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    this.head = { code: Number(m[1]), headers };
    const rest = this.buf.subarray(end + 4);
    this.buf = Buffer.alloc(0);
    if (this.head.code === 101) return rest;
    if (rest.length) this.push(rest);
    return undefined;
  }

  // The refusal's Status, if its body was one.
  status(): Partial<Status> | undefined {
    if (!this.bodyLength) return undefined;
    try {
      const s = JSON.parse(Buffer.concat(this.bodyBytes).toString('utf8')) as Partial<Status>;
      return s && typeof s === 'object' && s.kind === 'Status' ? s : undefined;
    } catch { return undefined; }
  }
}
