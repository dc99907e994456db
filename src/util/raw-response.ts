// Writing an HTTP response on a raw (upgrade) socket and closing it politely: how every hop that owns an
// upgrade socket (API server, kubelet, streaming server, proxy) refuses one: a metav1.Status (apiserver
// responsewriters.ErrorNegotiated, on a bare conn) or, for the kubelet, plain text (go-restful's WriteError).
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../api/status.ts';

export function statusResponseBytes(status: Status): Buffer {
  const code = status.code ?? 500;
  const body = Buffer.from(JSON.stringify(status));
  const head = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}\r\n` +
    'Content-Type: application/json\r\n' +
    // A 429 (a full streaming-request cache, chapter 5) tells the client when to try again.
    (status.details?.retryAfterSeconds ? `Retry-After: ${status.details.retryAfterSeconds}\r\n` : '') +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

// A plain-text error on a raw socket, as a Go handler that is not an API server writes one: go-restful's
// Response.WriteError (the words as they are) or http.Error (plus nosniff and a newline). The kubelet answers so.
export function textResponseBytes(code: number, text: string, headers: Record<string, string> = {}): Buffer {
  const body = Buffer.from(text);
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}\r\n`).join('');
  const head = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' + extra +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export function writeTextAndClose(socket: Duplex, code: number, text: string, headers?: Record<string, string>): Promise<void> {
  if (!socket.destroyed && socket.writable) socket.write(textResponseBytes(code, text, headers));
  return closeAfterFlush(socket);
}

export function writeStatusAndClose(socket: Duplex, status: Status): Promise<void> {
  if (!socket.destroyed && socket.writable) socket.write(statusResponseBytes(status));
  return closeAfterFlush(socket);
}

// End our side, then read and discard whatever the client still sends until it closes too. Closing a
// TCP socket with unread input makes the kernel send RST, which can destroy the response we just wrote
// before the client reads it (the "lingering close" every HTTP server does). The bytes read here go
// nowhere: this is the moment CVE-2018-1002105 was about, and no backend is attached any more.
export function closeAfterFlush(socket: Duplex, lingerMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => { clearTimeout(timer); resolve(); });
    socket.on('error', () => socket.destroy());
    socket.on('data', () => { /* discarded on purpose */ });
    socket.once('end', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    socket.end();
    socket.resume();
  });
}

// How much request line and headers our servers read: Go's http.DefaultMaxHeaderBytes (1 MiB) plus the 4096
// bytes of slack its server allows. Node's default is 16 KiB, and every word of an exec command is a query
// parameter: a 16 KB argument failed before any handler ran, and kubectl printed a bare "Error from server: ".
export const MAX_HEADER_BYTES = (1 << 20) + 4096;

const answered = new WeakSet<Duplex>();

// A server's 'clientError': a request Node could not parse. Answered with a Status, as everything else is,
// instead of Node's bare status line: a head over MAX_HEADER_BYTES is Go's 431, anything else a 400.
// Node may report the same broken request more than once; it is answered once.
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  socket.on('error', () => socket.destroy());
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const failure = (code: number, message: string, reason?: string): Status =>
    ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason ? { reason } : {}), code });
  const status = err.code === 'HPE_HEADER_OVERFLOW'
    ? failure(431, `Request Header Fields Too Large: the request line and headers are limited to ${MAX_HEADER_BYTES} bytes`)
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? failure(408, 'the request did not arrive in time', 'Timeout')
      : failure(400, `malformed HTTP request: ${err.message}`, 'BadRequest');
  void writeStatusAndClose(socket, status);
}
