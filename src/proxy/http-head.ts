// Pure HTTP/1.1 head codec for the upgrade-aware proxy: serialize the request head we send to the
// backend, parse the response head it sends back (apimachinery upgradeaware.go reads it with http.ReadResponse).
// Bytes in, values out: no sockets, no timers.
import { MAX_HEADER_BYTES } from '../util/raw-response.ts';

export interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  // Header lines in order, names as the backend sent them (a proxy relays them, so it keeps the spelling).
  rawHeaders: [string, string][];
}

export interface ParsedResponse {
  head: ResponseHead;
  raw: Buffer;   // the head's exact bytes, CRLFCRLF included: what a 101 relays to the client
  rest: Buffer;  // bytes after the head (the start of the body, or of the upgraded stream)
}

export class HeadParseError extends Error {
  constructor(message: string) { super(message); this.name = 'HeadParseError'; }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
// The same bound our servers put on a request head (Go's 1 MiB default): a backend's answer is never refused
// for a size the servers on either side of this proxy would accept.
export const MAX_HEAD_BYTES = MAX_HEADER_BYTES;

// Accumulates chunks until the blank line that ends the head; push() returns the parsed head once,
// then the parser is done (the bytes that follow belong to someone else).
export class ResponseHeadParser {
  private buffered: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly maxBytes = MAX_HEAD_BYTES) {}

  push(chunk: Uint8Array): ParsedResponse | undefined {
    if (this.done) throw new HeadParseError('response head already parsed');
    // Search from just before the new chunk so a CRLFCRLF split across chunks is found.
    const from = Math.max(0, this.buffered.length - 3);
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(CRLFCRLF, from);
    if (end < 0) {
      if (this.buffered.length > this.maxBytes) throw new HeadParseError(`response head larger than ${this.maxBytes} bytes`);
      return undefined;
    }
    if (end + 4 > this.maxBytes) throw new HeadParseError(`response head larger than ${this.maxBytes} bytes`);
    this.done = true;
    const raw = this.buffered.subarray(0, end + 4);
    const rest = this.buffered.subarray(end + 4);
    return { head: parseResponseHead(raw.subarray(0, end).toString('latin1')), raw, rest };
  }
}

export function parseResponseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) throw new HeadParseError(`malformed HTTP response ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
  const rawHeaders: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HeadParseError(`malformed MIME header line: ${JSON.stringify(line.slice(0, 40))}`);
    rawHeaders.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { statusCode: Number(m[1]), statusMessage: m[2] ?? '', rawHeaders };
}

export function headerValue(head: { rawHeaders: [string, string][] }, name: string): string | undefined {
  const lower = name.toLowerCase();
  return head.rawHeaders.find(([k]) => k.toLowerCase() === lower)?.[1];
}

export function serializeResponseHead(head: ResponseHead): Buffer {
  const lines = [`HTTP/1.1 ${head.statusCode} ${head.statusMessage}`, ...head.rawHeaders.map(([k, v]) => `${k}: ${v}`)];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// The request line for the backend location plus the client's headers. rawHeaders is Node's flat
// [name, value, name, value...] list, so repeated headers (five X-Stream-Protocol-Version lines from
// kubectl's SPDY fallback) survive in order. `replace` sets headers (by lower-case name) instead of copying them.
export function serializeRequestHead(method: string, pathAndQuery: string, rawHeaders: readonly string[], replace: Record<string, string>): Buffer {
  if (!TOKEN.test(method)) throw new HeadParseError(`invalid method ${JSON.stringify(method)}`);
  if (!pathAndQuery.startsWith('/') || /[\s\0]/.test(pathAndQuery)) throw new HeadParseError(`invalid request target ${JSON.stringify(pathAndQuery)}`);
  const lines = [`${method} ${pathAndQuery} HTTP/1.1`];
  const replaced = new Set(Object.keys(replace).map((k) => k.toLowerCase()));
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!, value = rawHeaders[i + 1]!;
    if (replaced.has(name.toLowerCase())) continue;
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new HeadParseError(`invalid header ${JSON.stringify(name)}`);
    lines.push(`${name}: ${value}`);
  }
  for (const [name, value] of Object.entries(replace)) lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
