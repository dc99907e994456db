// Splits a watch response body into events: one JSON object per line, bytes in, events out, no I/O (apimachinery pkg/util/framer + watch decoder).
import type { WatchEvent } from '../api/types.ts';

const eventTypes = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export class WatchDecodeError extends Error {
  constructor(message: string) { super(`watch stream: ${message}`); this.name = 'WatchDecodeError'; }
}

export class WatchDecoder<T = unknown> {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  // One event can be large (a whole object), but never unbounded: a line past the limit is an error.
  constructor(private readonly maxLineBytes = 16 * 1024 * 1024) {}

  push(chunk: Uint8Array): WatchEvent<T>[] {
    const events: WatchEvent<T>[] = [];
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a)) {
      const line = Buffer.concat([...this.pending, buf.subarray(0, nl)]);
      this.pending = [];
      this.pendingBytes = 0;
      buf = buf.subarray(nl + 1);
      const event = this.decodeLine(line);
      if (event) events.push(event);
    }
    if (buf.length > 0) {
      this.pendingBytes += buf.length;
      if (this.pendingBytes > this.maxLineBytes) throw new WatchDecodeError(`event larger than ${this.maxLineBytes} bytes`);
      this.pending.push(Buffer.from(buf)); // copy: the caller may reuse its chunk
    }
    return events;
  }

  // The stream ended: a last line without its newline still counts; half a JSON object does not.
  end(): WatchEvent<T>[] {
    const rest = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const event = this.decodeLine(rest);
    return event ? [event] : [];
  }

  private decodeLine(line: Buffer): WatchEvent<T> | undefined {
    const text = line.toString('utf8').trim();
    if (text === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new WatchDecodeError(`invalid JSON event: ${(err as Error).message}`);
    }
    const ev = parsed as { type?: unknown; object?: unknown };
    if (typeof ev !== 'object' || ev === null || typeof ev.type !== 'string' || !eventTypes.has(ev.type) || typeof ev.object !== 'object' || ev.object === null) {
      throw new WatchDecodeError(`not a watch event: ${text.slice(0, 80)}`);
    }
    return ev as WatchEvent<T>;
  }
}
