// A request path as Go's net/http reads it: a malformed %-escape is refused before any handler runs, with Go's
// own bare 400 (net/url ParseRequestURI, net/http conn.serve), and path segments are unescaped byte-wise.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { closeAfterFlush } from './raw-response.ts';

// The first malformed escape in the path ("%zz", "%4", a lone "%"), or undefined. The query is not checked:
// Go keeps it raw (RawQuery) and its parser skips bad pairs instead.
export function malformedPathEscape(requestURI: string): string | undefined {
  const path = requestURI.split('?', 1)[0]!;
  const m = /%(?![0-9A-Fa-f]{2})[^%]{0,2}/.exec(path);
  return m ? m[0] : undefined;
}

// Go's url.PathUnescape, for a path whose escapes are well formed: %XX is a byte, whatever UTF-8 it makes.
// A byte sequence that is not UTF-8 ("%ff") becomes U+FFFD instead of the URIError decodeURIComponent throws.
export function unescapePathSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(segment.slice(i + 1, i + 3))) {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(segment[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// What a Go server writes for a request line it cannot parse: no Status, just this, and the connection closed.
const GO_BAD_REQUEST = '400 Bad Request';
export const goBadRequestBytes = Buffer.from(`HTTP/1.1 ${GO_BAD_REQUEST}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${GO_BAD_REQUEST}`, 'latin1');

export function writeGoBadRequest(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': GO_BAD_REQUEST.length, Connection: 'close' }).end(GO_BAD_REQUEST);
}

export function writeGoBadRequestAndClose(socket: Duplex): Promise<void> {
  if (!socket.destroyed && socket.writable) socket.write(goBadRequestBytes);
  return closeAfterFlush(socket);
}
