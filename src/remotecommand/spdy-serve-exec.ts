// serveExecSpdy: the server half of remotecommand over SPDY — the handshake, the client's streams by streamType, one
// session, the Status on the error stream, Close (kubelet cri/streaming/remotecommand httpstream.go createHTTPStreamStreams, the v1–v4 protocol handlers, exec.go ServeExec).
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { Status } from '../api/status.ts';
import type { ExecStreams } from '../exec/executor.ts';
import { SpdyConnection, type SpdyStream } from '../spdy/connection.ts';
import { closeAfterFlush, writeStatusAndClose } from '../util/raw-response.ts';
import { ResizeDecoder } from './codec.ts';
import { ttyRefusal, type ServeExecOptions } from './serve-exec.ts';
import { execStatus, SizeQueue } from './session.ts';
import { SPDY_PROTOCOLS, spdyHandshake } from './spdy-handshake.ts';
import { spdyProtocolVersion, type SpdyProtocolVersion } from './spdy-protocol.ts';
import { encodeStatus, internalErrorStatus } from './status.ts';

export interface ServeExecSpdyOptions extends ServeExecOptions {
  // StreamCreationTimeout: how long the client has, after the 101, to open every stream it asked for.
  streamCreationTimeoutMs?: number;
  // The X-Stream-Protocol-Version values served, in the server's order (default: v4, v3, v2, channel.k8s.io).
  spdyProtocols?: readonly string[];
}

// remotecommand.DefaultStreamCreationTimeout.
export const DEFAULT_STREAM_CREATION_TIMEOUT_MS = 30_000;

// #region spdy-versions
// What each version changes (httpstream.go's protocol handlers) is the client's table (spdy-protocol.ts): v3 adds the
// resize stream, v4 puts a JSON Status on the error stream (Success too). v1 keeps the 1.0 kubelet's bugs on purpose:
// it resets the error stream as soon as the streams are set up (so its client never hears of a failure) and
// half-closes its own side of stdin. (A server never picks v5: SPDY_PROTOCOLS stops at v4.)
const keepsV1Bugs = (v: SpdyProtocolVersion) => v.version === 1;
// #endregion spdy-versions

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';
type ReceivedStreams = Partial<Record<StreamType, SpdyStream>>;

// #region wait-for-streams
// The client opens every stream (error, stdin, stdout, stderr unless tty, resize for v3+ with tty), one SYN_STREAM
// each, naming it in its streamtype header. Each is answered with an empty SYN_REPLY and counted once replied.
// A stream of a type this version does not know is replied to, logged and not counted, as upstream does.
function waitForStreams(conn: SpdyConnection, version: SpdyProtocolVersion, expected: number, timeoutMs: number, log: (line: string) => void):
  Promise<{ streams: ReceivedStreams; error?: string }> {
  const known = new Set<string>(['error', 'stdin', 'stdout', 'stderr', ...(version.resize ? ['resize'] : [])]);
  const streams: ReceivedStreams = {};
  return new Promise((resolve) => {
    let received = 0;
    const finish = (error?: string) => {
      clearTimeout(timer);
      // Past setup nobody takes a new stream (upstream's handler would block on an unread channel, and the
      // client would wait 30 s for its reply): it is refused at once.
      conn.onStream = (late) => {
        log(`stream ${late.id} (${JSON.stringify(late.headers.streamtype ?? '')}) opened after setup: refused`);
        late.refuse();
      };
      resolve({ streams, error });
    };
    const timer = setTimeout(() => finish('timed out waiting for client to create streams'), timeoutMs);
    conn.onStream = (stream) => {
      // A reset by the client is a normal end here; only a listener keeps an 'error' from being thrown.
      stream.on('error', (err) => log(`stream ${stream.id}: ${err.message}`));
      const type = stream.headers.streamtype ?? '';
      stream.reply();
      if (!known.has(type)) {
        log(`unexpected stream type: ${JSON.stringify(type)}`);
        return void stream.resume(); // never read: what arrives on it is dropped
      }
      streams[type as StreamType] = stream;
      if (++received === expected) finish();
    };
    void conn.closed.then(() => finish('the client closed the connection while creating streams'));
  });
}
// #endregion wait-for-streams

// A stream the process's output goes to: one DATA frame per chunk, the callback once the socket took it (so a slow
// client slows the process). Never ended with a FIN: upstream leaves the streams open and Close resets them all.
// Once a write fails (the stream or connection is gone) the rest is swallowed: an 'error' here would reach whatever
// pipes the process into it. A write still waiting when the connection ends is let go.
function outputWriter(stream: SpdyStream, conn: SpdyConnection, log: (line: string) => void): Writable {
  let lost = false;
  let waiting: (() => void) | undefined;
  void conn.closed.then(() => { lost = true; waiting?.(); });
  const writer = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (lost || stream.destroyed) return cb();
      let called = false;
      waiting = () => { if (!called) { called = true; waiting = undefined; cb(); } };
      stream.write(chunk, (err) => {
        if (err && !lost) { lost = true; log(`output to stream ${stream.id} dropped from now on: ${err.message}`); }
        waiting?.();
      });
    },
    final(cb) { cb(); },
  });
  writer.on('error', (err) => log(`output stream: ${err.message}`));
  return writer;
}

// #region serve-exec-spdy
// Owns the socket from here on. Resolves when the session is over and the connection closed, with the Status sent
// (a refusal's too); undefined when the client left first, or the connection ended before its streams were set up.
export async function serveExecSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, o: ServeExecSpdyOptions): Promise<Status | undefined> {
  const log = o.log ?? (() => {});
  const noTTY = ttyRefusal(o);
  if (noTTY) {
    log(`exec refused (${noTTY.code}): ${noTTY.message}`);
    await writeStatusAndClose(socket, noTTY);
    return noTTY;
  }
  const handshake = spdyHandshake(req, o.spdyProtocols ?? SPDY_PROTOCOLS);
  if (!handshake.ok) {
    log(`exec refused (${handshake.code}): ${handshake.message}`);
    if (socket.writable) socket.write(handshake.response);
    await closeAfterFlush(socket);
    return { metadata: {}, status: 'Failure', message: handshake.message, reason: handshake.code === 403 ? 'Forbidden' : 'BadRequest', code: handshake.code };
  }
  const version = spdyProtocolVersion(handshake.protocol)!;
  socket.write(handshake.response);
  // head: frames the client sent without waiting for the 101; the connection reads them first, a tick from now,
  // once onStream is set (waitForStreams, just below).
  // Once the Status is written, a client that hangs up before our resets and GOAWAY reach it is the normal end
  // (kubectl exits as soon as it has read the Status): that socket error is not logged.
  let closing = false;
  const connLog = (line: string) => { if (!(closing && /socket error: .*(EPIPE|ECONNRESET)/.test(line))) log(line); };
  const conn = new SpdyConnection(socket, { role: 'server', idleTimeoutMs: o.idleTimeoutMs, log: connLog }, head);

  const { stdin, stdout, stderr, tty } = o.options;
  const expected = 1 + Number(stdin) + Number(stdout) + Number(stderr && !tty) + Number(tty && version.resize);
  const { streams, error } = await waitForStreams(conn, version, expected, o.streamCreationTimeoutMs ?? DEFAULT_STREAM_CREATION_TIMEOUT_MS, log);
  if (error) {
    log(error);
    // Upstream logs this and leaves the connection open for the client to notice (it never does: it waits on the
    // error stream). We tell it on the error stream, if it made one, and close.
    if (streams.error && !keepsV1Bugs(version)) await writeStatus(streams.error, version, internalErrorStatus(new Error(error)));
    await closeConnection(conn);
    return undefined;
  }
  if (keepsV1Bugs(version)) {
    streams.error?.reset();
    streams.stdin?.end();
  }
  // What the client sends on a stream we do not read (its output streams, a resize stream without a terminal) is
  // discarded: left unread it would fill the stream's buffer and stop the connection's reading for every stream.
  const unread: StreamType[] = ['error', 'stdout', 'stderr', ...(tty ? [] : ['resize' as const])];
  for (const type of unread) streams[type]?.resume();

  // The process's streams. stdin ends with the client's FIN on the stdin stream (kubectl's stdin EOF).
  const stdinPipe = streams.stdin ? new PassThrough({ highWaterMark: 64 * 1024 }) : undefined;
  // An executor may destroy the pipe with an error (the process's stdin gone): never an unhandled one.
  stdinPipe?.on('error', (err) => log(`stdin: ${err.message}`));
  if (streams.stdin && stdinPipe) streams.stdin.pipe(stdinPipe);
  const sizes = new SizeQueue();
  if (tty && streams.resize) readSizes(streams.resize, sizes, log);
  const execStreams: ExecStreams = {
    stdin: stdinPipe,
    stdout: streams.stdout ? outputWriter(streams.stdout, conn, log) : undefined,
    stderr: streams.stderr && !tty ? outputWriter(streams.stderr, conn, log) : undefined,
    tty,
    resize: tty ? sizes : undefined,
  };

  // A client that goes away mid-stream aborts the executor, which kills the process group.
  const gone = new AbortController();
  let finished = false;
  void conn.closed.then(() => { if (!finished) gone.abort(new Error('client disconnected')); });
  let status: Status;
  try {
    status = await execStatus(o.executor, o.target, execStreams, gone.signal);
  } finally {
    finished = true;
    if (streams.stdin && stdinPipe) streams.stdin.unpipe(stdinPipe);
    stdinPipe?.destroy();
    sizes.end();
  }
  if (gone.signal.aborted) { await conn.closed; return undefined; }
  closing = true;
  if (streams.error && !keepsV1Bugs(version)) await writeStatus(streams.error, version, status);
  await closeConnection(conn);
  return status;
}
// #endregion serve-exec-spdy

// #region write-status
// v4: the JSON Status, Success included. v2/v3 (and v1, whose error stream is already reset): the message
// text, and only on failure (encodeStatus, as on the WebSocket's channel 3).
function writeStatus(stream: SpdyStream, version: SpdyProtocolVersion, status: Status): Promise<void> {
  const bytes = encodeStatus(version, status);
  if (!bytes || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.write(bytes, () => resolve()));
}
// #endregion write-status

// httpstream/spdy connection.Close: every stream reset, GOAWAY, the socket ended. A client that keeps its end open
// after that is cut off.
async function closeConnection(conn: SpdyConnection, lingerMs = 2000): Promise<void> {
  await conn.close().catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([conn.closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, lingerMs); })]);
  clearTimeout(timer);
  conn.destroy();
}

// v3+ with a terminal: the resize stream is concatenated JSON objects ({"Width":80,"Height":24}); the latest size
// wins. A bad object stops resizing, not the command (the Go decoder loop just ends).
function readSizes(stream: SpdyStream, sizes: SizeQueue, log: (line: string) => void): void {
  const decoder = new ResizeDecoder();
  let broken = false;
  stream.on('data', (chunk: Buffer) => {
    if (broken) return;
    try { for (const size of decoder.push(chunk)) sizes.push(size); } catch (err) {
      broken = true;
      log(`resize stream ignored from now on: ${(err as Error).message}`);
    }
  });
}
