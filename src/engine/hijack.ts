// Hijacking an HTTP connection (moby api/server/httputils: hijack, "101 UPGRADED"): after the response head the
// connection carries the process's streams, raw stdin in, output out (framed by stdcopy unless there is a terminal).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

// #region hijack
// The request body of an upgrade request: Node hands over the socket right after the headers, so the JSON body is
// at the start of `head` (and may continue in later reads). Read exactly Content-Length bytes: what follows is stdin.
export function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer, limit = 1 << 20): Promise<{ body: Buffer; rest: Buffer }> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(length) || length < 0 || length > limit) return Promise.reject(new Error(`bad Content-Length: ${req.headers['content-length']}`));
  if (head.length >= length) return Promise.resolve({ body: head.subarray(0, length), rest: head.subarray(length) });
  return new Promise((resolve, reject) => {
    const parts = [head];
    let have = head.length;
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      have += chunk.length;
      if (have < length) return;
      done();
      socket.pause();
      const all = Buffer.concat(parts);
      resolve({ body: all.subarray(0, length), rest: all.subarray(length) });
    };
    const onEnd = () => { done(); reject(new Error('connection closed before the request body')); };
    const done = () => { socket.off('data', onData); socket.off('end', onEnd); socket.off('close', onEnd); };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

// The response head that hands the connection over: 101 when the client asked to upgrade (docker CLI, the python
// SDK and cri-dockerd send "Upgrade: tcp"), else a 200 whose body is the stream (an older client's hijack).
export function writeHijackHead(socket: Duplex, upgrade: boolean, contentType: string): void {
  socket.write(upgrade
    ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n\r\n`);
}
// #endregion hijack
