// Answering an upgrade request with an HTTP error and a metav1.Status body, on the raw socket (apiserver responsewriters.ErrorNegotiated, before any hijack).
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../api/status.ts';

export function writeStatusResponse(socket: Duplex, status: Status): Promise<void> {
  const code = status.code ?? 500;
  const body = Buffer.from(JSON.stringify(status));
  const head = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    // Read and discard what the client still sends until it closes: closing with unread input
    // makes the kernel send RST, which can destroy the response before the client reads it.
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.once('close', () => { clearTimeout(timer); resolve(); });
    socket.on('error', () => socket.destroy());
    socket.on('data', () => {});
    socket.once('end', () => socket.destroy());
    socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    socket.resume();
  });
}
