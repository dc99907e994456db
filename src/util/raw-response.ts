// Writing an HTTP response on a raw (upgrade) socket and closing it politely: how every hop that owns an
// upgrade socket (API server, kubelet, streaming server, proxy) answers with a metav1.Status instead
// (apiserver responsewriters.ErrorNegotiated, on a bare conn).
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
