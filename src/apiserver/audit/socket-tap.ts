// Sees every byte of an upgraded client socket, both ways, without taking it from its owner: the exec handler
// (ws, the upgrade-aware proxy, a translator) keeps reading and writing the socket as before.
import type { Duplex } from 'node:stream';

export interface SocketTap { fromClient(chunk: Buffer): void; toClient(chunk: Buffer): void }

// Why patch the instance: the owner may read by 'data', by pipe or by read(), and write by write(), writev
// (cork) or end(chunk); every one of them passes through push() (bytes read) and _write/_writev (bytes written),
// the two hooks a stream implementation provides. Wrapping the socket in another Duplex instead would hide
// the net.Socket the owners need (setNoDelay, remoteAddress, TLS). A tap that throws is cut off, never the session.
export function tapSocket(socket: Duplex, tap: SocketTap): void {
  let alive = true;
  const safe = (f: () => void) => { if (!alive) return; try { f(); } catch { alive = false; } };
  const s = socket as Duplex & {
    _write(chunk: unknown, enc: BufferEncoding, cb: (err?: Error | null) => void): void;
    _writev?(chunks: { chunk: unknown; encoding: BufferEncoding }[], cb: (err?: Error | null) => void): void;
  };
  const push = s.push;
  s.push = function (chunk: unknown, encoding?: BufferEncoding) {
    if (chunk != null) safe(() => tap.fromClient(asBuffer(chunk, encoding)));
    return push.call(this, chunk, encoding);
  };
  const write = s._write;
  s._write = function (chunk, enc, cb) {
    safe(() => tap.toClient(asBuffer(chunk, enc)));
    return write.call(this, chunk, enc, cb);
  };
  const writev = s._writev;
  if (writev) {
    s._writev = function (chunks, cb) {
      for (const c of chunks) safe(() => tap.toClient(asBuffer(c.chunk, c.encoding)));
      return writev.call(this, chunks, cb);
    };
  }
}

function asBuffer(chunk: unknown, encoding?: BufferEncoding): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding && encoding !== ('buffer' as BufferEncoding) ? encoding : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.alloc(0);
}
