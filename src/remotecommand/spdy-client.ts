// streamExecSpdy: the client half of remotecommand over SPDY, for our kubectl and the API server's StreamTranslator
// (client-go tools/remotecommand/spdy.go spdyStreamExecutor, v1.go … v5.go streamProtocolV*).
import type { Duplex, Writable } from 'node:stream';
import type { Status } from '../api/status.ts';
import type { TerminalSize } from '../exec/executor.ts';
import { SpdyConnection, type SpdyConnectionOptions, type SpdyStream } from '../spdy/connection.ts';
import { encodeResize, errorStreamStatus, spdyProtocols, spdyProtocolVersion, streamsToCreate, StreamType, type SpdyProtocolVersion, type StreamTypeName } from './spdy-protocol.ts';
import { spdyUpgrade, type SpdyTLSOptions } from './spdy-upgrade.ts';
import type { StreamExecOptions } from './websocket-client.ts';

// The WebSocket client's options (StreamExec's contract), with what only SPDY needs. `protocols` is the
// X-Stream-Protocol-Version list (default v5 … v1, as client-go offers). TLS comes from `tls`, or else from the
// WebSocket client's `ws` settings (ca, cert, key, rejectUnauthorized, servername), so one caller can feed both.
export interface SpdyStreamExecOptions extends Omit<StreamExecOptions, 'resize'> {
  // The sizes for the resize stream: the initial one (when known), then each change.
  resize?: { initial?: TerminalSize; watch(send: (size: TerminalSize) => void): () => void };
  tls?: SpdyTLSOptions;
  dial?: (location: URL) => Duplex;
  hop?: string;                      // names the server in the errors this client makes ("kubelet node-1")
  streamCreationTimeoutMs?: number;  // per SYN_REPLY (client-go: 30 s)
  onFrame?: SpdyConnectionOptions['onFrame'];  // every SPDY frame either way, decoded (a chapter's steps print them)
}

export const STREAM_CREATION_TIMEOUT_MS = 30_000;

// #region stream-exec-spdy
// Resolves with the Status the error stream carried (Success when it carried nothing; a Failure with client-go's
// words for v1–v3 text); rejects on a refused upgrade (UpgradeError, as the WebSocket client), a stream the server
// would not create, or a connection that ended before the error stream did.
export async function streamExecSpdy(url: string | URL, o: SpdyStreamExecOptions): Promise<Status> {
  const protocols = o.protocols ?? spdyProtocols;
  o.onRequest?.('POST', { 'X-Stream-Protocol-Version': protocols });
  const { socket, head, protocol } = await spdyUpgrade(url, {
    protocols, headers: o.headers, tls: o.tls ?? tlsFromWs(o.ws), dial: o.dial, signal: o.signal, onResponse: o.onResponse,
  });
  const version = spdyProtocolVersion(protocol);
  if (!version) {
    socket.destroy();
    throw new Error(`${o.hop ? `${o.hop}: ` : ''}the server chose stream protocol ${JSON.stringify(protocol)}, which was not offered`);
  }
  if (protocol === '') o.logger?.info(4, 'spdy.go:134', 'The server did not negotiate a streaming protocol version. Falling back to channel.k8s.io');
  const conn = new SpdyConnection(socket, { role: 'client', pingIntervalMs: o.pingIntervalMs ?? 5000, onFrame: o.onFrame }, head);
  return runStreams(conn, version, o);
}
// #endregion stream-exec-spdy

function tlsFromWs(ws: StreamExecOptions['ws']): SpdyTLSOptions | undefined {
  if (!ws) return undefined;
  const { ca, cert, key, rejectUnauthorized, servername } = ws as SpdyTLSOptions;
  return { ca, cert, key, rejectUnauthorized, servername };
}

function runStreams(conn: SpdyConnection, v: SpdyProtocolVersion, o: SpdyStreamExecOptions): Promise<Status> {
  const name = (m: string) => (o.hop ? `${o.hop}: ${m}` : m);
  return new Promise<Status>((resolve, reject) => {
    let settled = false;
    let unwatch = () => {};
    const created = new Map<StreamTypeName, SpdyStream>();
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      unwatch();
      o.stdin?.removeListener('data', onStdin);
      // A stdin that never ends (a terminal) must not keep the caller alive once the session is over.
      o.stdin?.pause();
      o.signal?.removeEventListener('abort', onAbort);
      // client-go's deferred conn.Close(): reset what is still open, GOAWAY, end the socket.
      conn.close().catch(() => conn.destroy());
      fn();
    };
    const onAbort = () => { conn.destroy(); settle(() => reject(o.signal?.reason ?? new Error('aborted'))); };
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const stdinStream = () => created.get(StreamType.stdin);
    function onStdin(chunk: Buffer | string) {
      const s = stdinStream();
      if (!s || s.writableEnded || s.destroyed) return;
      // A server that reads slowly stops us reading the local stdin: the socket's backpressure, end to end.
      if (!s.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
        o.stdin?.pause();
        s.once('drain', () => { if (!settled) o.stdin?.resume(); });
      }
    }

    let errorBytes: Promise<{ bytes: Buffer; normal: boolean }> | undefined;
    const outputs: Promise<void>[] = [];
    (async (): Promise<Status | undefined> => {
      // #region create-streams
      // One stream at a time, each waiting for its SYN_REPLY, as client-go's CreateStream does.
      for (const type of streamsToCreate(v, { stdin: !!o.stdin, stdout: !!o.stdout, stderr: !!o.stderr, tty: o.tty })) {
        let stream: SpdyStream;
        try {
          stream = await conn.createStream({ streamtype: type }, o.streamCreationTimeoutMs ?? STREAM_CREATION_TIMEOUT_MS);
        } catch (err) {
          throw new Error(name(`error creating the ${type} stream: ${(err as Error).message}`));
        }
        // Nobody else owns these streams' errors: never an unhandled 'error' (a peer's reset is a normal end).
        stream.on('error', () => {});
        created.set(type, stream);
        // Read what comes at once: a server may finish with a stream (v1 resets the error stream) before the rest exist.
        if (type === StreamType.error) errorBytes = readAll(stream, () => conn.alive);
        if (type === StreamType.stdout) outputs.push(copyOut(stream, o.stdout));
        if (type === StreamType.stderr) outputs.push(copyOut(stream, o.stderr));
        if (settled) return undefined;
      }
      // #endregion create-streams

      // #region resize
      const resize = created.get(StreamType.resize);
      if (resize && o.resize) {
        const send = (size: TerminalSize) => { if (!resize.destroyed && !resize.writableEnded) resize.write(encodeResize(size)); };
        if (o.resize.initial) send(o.resize.initial);
        unwatch = o.resize.watch(send);
      }
      // #endregion resize

      // #region stdin
      const stdin = stdinStream();
      if (stdin && o.stdin) {
        // Local EOF half-closes the stream (empty DATA with FIN): `echo x | kubectl exec -i … cat` ends.
        // A stdin that fails to read (a terminal that went away) ends the same way, never as a crash.
        const eof = () => { if (!stdin.writableEnded && !stdin.destroyed) stdin.end(); };
        o.stdin.once('end', eof);
        o.stdin.once('error', eof);
        o.stdin.on('data', onStdin);
        o.stdin.resume();
        // The server may close its side first (the command ended): then ours closes too (client-go's once.Do).
        if (v.version >= 2) stdin.on('end', () => { o.stdin?.removeListener('data', onStdin); eof(); });
        stdin.resume();
      }
      // #endregion stdin

      // client-go waits for stdout and stderr to be copied, then for the error stream.
      await Promise.all(outputs);
      const { bytes, normal } = await errorBytes!;
      // A connection that went away before the error stream ended (no FIN, no reset): the command's fate is unknown.
      if (!normal) throw new Error(name('connection lost mid-stream: EOF'));
      const status = errorStreamStatus(v, bytes);
      await Promise.all([flushed(o.stdout), flushed(o.stderr)]);
      return status;
    })().then((status) => { if (status) settle(() => resolve(status)); }, (err: Error) => { conn.destroy(); settle(() => reject(err)); });
  });
}

// #region copy-out
// The server's stdout (or stderr) into ours, pausing the stream while ours is full (the pause reaches the socket, and
// from there the server and the command). Resolves when the stream ends, however: a reset or a lost connection too.
// The destination is never ended (it is the caller's terminal).
function copyOut(stream: SpdyStream | undefined, dst: Writable | undefined): Promise<void> {
  if (!stream || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      if (!dst || dst.destroyed || dst.writableEnded) return; // drained and dropped, as client-go's io.Copy(io.Discard)
      if (!dst.write(chunk)) {
        stream.pause();
        const go = () => { dst.removeListener('drain', go); dst.removeListener('close', go); stream.resume(); };
        dst.once('drain', go);
        dst.once('close', go);
      }
    });
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
  });
}
// #endregion copy-out

const MAX_ERROR_BYTES = 1 << 20;

// The whole error stream. `normal`: it ended by the server's reset (how Connection.Close ends every stream) or FIN,
// not because the connection broke under it (then there is no telling how the command ended).
function readAll(stream: SpdyStream, connectionAlive: () => boolean): Promise<{ bytes: Buffer; normal: boolean }> {
  return new Promise((resolve) => {
    // Reset in the same read as its SYN_REPLY, with nothing to read: already gone before anyone listened.
    if (stream.destroyed) return resolve({ bytes: Buffer.alloc(0), normal: stream.resetStatus !== undefined });
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => { if ((size += c.length) <= MAX_ERROR_BYTES) chunks.push(c); });
    stream.once('end', () => resolve({ bytes: Buffer.concat(chunks), normal: stream.resetStatus !== undefined || connectionAlive() }));
    stream.once('close', () => resolve({ bytes: Buffer.concat(chunks), normal: stream.resetStatus !== undefined }));
  });
}

function flushed(w: Writable | undefined): Promise<void> {
  if (!w || w.writableEnded || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => w.write(Buffer.alloc(0), () => resolve()));
}
