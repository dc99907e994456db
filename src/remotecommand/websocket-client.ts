// streamExec: the client half of remotecommand over WebSocket, for our kubectl (client-go tools/remotecommand/websocket.go wsStreamExecutor).
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { WebSocket, type ClientOptions } from 'ws';
import type { Status } from '../api/status.ts';
import { Channel, protocolInfo, type ProtocolInfo } from './protocols.ts';
import { decodeMessage, encodeCloseSignal, encodeMessage } from './codec.ts';
import { decodeStatus } from './status.ts';
import type { TerminalSize } from '../exec/executor.ts';
import type { Logger } from '../client/klog.ts';

// The local terminal's size and a way to hear of its changes (client-go's TerminalSizeQueue, whose first Next()
// is the initial size). watch() returns the way to stop watching.
export interface TerminalResize {
  initial: TerminalSize;
  watch(send: (size: TerminalSize) => void): () => void;
}

export interface UpgradeResponse { statusCode: number; statusMessage: string; headers: IncomingHttpHeaders; protocol: string; ms: number }

export interface StreamExecOptions {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  resize?: TerminalResize;              // with tty: sizes for channel 4
  // Default: v5 only, as kubectl 1.30+ offers over WebSocket (client-go NewWebSocketExecutor): v4 cannot say
  // "stdin is done" without closing the whole socket, and the exit code with it. A server without v5 refuses.
  protocols?: string[];
  headers?: Record<string, string>;
  // Just before the upgrade request goes out, for the -v=7 log: its method and the headers this transport adds.
  onRequest?(method: string, headers: Record<string, string | string[]>): void;
  onResponse?(r: UpgradeResponse): void;
  logger?: Logger;                       // for the lines client-go logs itself (the fallback's, at -v=4)
  signal?: AbortSignal;
  ws?: ClientOptions;                    // TLS settings (ca, rejectUnauthorized), agent
  pingIntervalMs?: number;               // client-go pings every 5 s
}

// A non-101 answer to the upgrade: client-go's UpgradeFailureError, with the Status the server sent.
export class UpgradeError extends Error {
  constructor(readonly statusCode: number, readonly status: Status | undefined, readonly body: string) {
    super(`unable to upgrade connection: ${status?.message ?? (body.trim() || `status code ${statusCode}`)}`);
    this.name = 'UpgradeError';
  }
}

const STDIN_HIGH_WATER = 1 << 20;
const MAX_ERROR_BYTES = 1 << 20;

// Resolves with the Status from channel 3 (a Success when the server closed with 1000 and sent
// none); rejects on a refused upgrade (UpgradeError) or an abnormal close, as kubectl does.
export function streamExec(url: string | URL, o: StreamExecOptions): Promise<Status> {
  const target = new URL(url);
  if (target.protocol === 'http:') target.protocol = 'ws:';
  if (target.protocol === 'https:') target.protocol = 'wss:';
  const started = Date.now();
  const offered = o.protocols ?? ['v5.channel.k8s.io'];
  o.onRequest?.('GET', { 'Sec-Websocket-Protocol': offered.join(', ') });
  const ws = new WebSocket(target, offered, {
    ...o.ws, headers: { ...o.ws?.headers, ...o.headers }, perMessageDeflate: false, followRedirects: false,
  });

  return new Promise<Status>((resolve, reject) => {
    let protocol: ProtocolInfo | undefined;
    let errorBytes = Buffer.alloc(0);
    let settled = false;
    let switched = false;
    let ping: NodeJS.Timeout | undefined;
    let unwatch = () => {};
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(ping);
      unwatch();
      o.stdin?.removeListener('data', onStdin);
      // A stdin that never ends (a terminal) must not keep the caller alive once the session is over.
      o.stdin?.pause();
      o.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => { ws.terminate(); settle(() => reject(o.signal?.reason ?? new Error('aborted'))); };
    o.signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (_req, res) => {
      o.onResponse?.({ statusCode: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, protocol: '', ms: Date.now() - started });
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { if ((size += c.length) <= MAX_ERROR_BYTES) chunks.push(c); });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let status: Status | undefined;
        try { const v = JSON.parse(body); if (v?.kind === 'Status' || v?.status === 'Failure') status = v; } catch { /* not a Status */ }
        ws.terminate();
        settle(() => reject(new UpgradeError(res.statusCode ?? 0, status, body)));
      });
    });
    ws.on('upgrade', (res) => {
      switched = true;
      o.onResponse?.({ statusCode: res.statusCode ?? 101, statusMessage: res.statusMessage ?? '', headers: res.headers, protocol: String(res.headers['sec-websocket-protocol'] ?? ''), ms: Date.now() - started });
    });
    // An error between the 101 and 'open' is a handshake the server got wrong (no subprotocol, a bad accept key):
    // an upgrade failure, after which kubectl tries SPDY (client-go wraps it in UpgradeFailureError).
    ws.on('error', (err) => { ws.terminate(); settle(() => reject(switched && !protocol ? Object.assign(err, { upgradeFailure: true }) : err)); });

    ws.on('open', () => {
      protocol = protocolInfo(ws.protocol);
      if (!protocol) { ws.terminate(); return settle(() => reject(Object.assign(new Error(`the server chose subprotocol ${JSON.stringify(ws.protocol)}, which this client does not speak`), { upgradeFailure: true }))); }
      // The server would time us out without pings (client-go: every 5 s, read deadline 61 s).
      ping = setInterval(() => ws.ping(), o.pingIntervalMs ?? 5000);
      ping.unref();
      // #region resize
      // The initial size goes first, before a single keystroke is read: a full-screen program started by the
      // command then draws at the right size from the start (kubernetes#47990). Each change follows as one
      // JSON object per line, as client-go's encoder writes them: {"Width":120,"Height":40}.
      if (o.tty && o.resize) {
        const send = (s: TerminalSize) => {
          if (ws.readyState !== ws.OPEN || !protocol) return;
          const json = `${JSON.stringify({ Width: s.width, Height: s.height })}\n`;
          ws.send(encodeMessage(protocol, Channel.resize, Buffer.from(json)), { binary: !protocol.base64 });
        };
        send(o.resize.initial);
        unwatch = o.resize.watch(send);
      }
      // #endregion resize
      if (o.stdin) {
        o.stdin.on('data', onStdin);
        const eof = () => {
          // v5 half-closes stdin; v4 has no half-close: keep the socket open until the server ends.
          if (protocol?.closeSignal && ws.readyState === ws.OPEN) ws.send(encodeCloseSignal(Channel.stdin));
        };
        o.stdin.once('end', eof);
        // A stdin that fails to read (EIO from a terminal that went away) ends like EOF, never as a crash.
        o.stdin.once('error', eof);
        o.stdin.resume();
      }
    });

    // stdin → channel 0, pausing the reader while the socket has a backlog.
    function onStdin(chunk: Buffer | string) {
      if (!protocol || ws.readyState !== ws.OPEN) return;
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      ws.send(encodeMessage(protocol, Channel.stdin, data), { binary: !protocol.base64 }, () => {
        if (o.stdin?.isPaused() && ws.bufferedAmount < STDIN_HIGH_WATER) o.stdin.resume();
      });
      if (ws.bufferedAmount >= STDIN_HIGH_WATER) o.stdin?.pause();
    }

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!protocol) return;
      let m;
      try { m = decodeMessage(protocol, isBinary ? data : data.toString('latin1'), isBinary); } catch (err) {
        ws.terminate();
        return settle(() => reject(err));
      }
      if (m.kind !== 'data') return;
      const out = m.channel === Channel.stdout ? o.stdout : m.channel === Channel.stderr ? o.stderr : undefined;
      if (out && m.data.byteLength > 0) {
        // A slow stdout stops reading the socket; the server then stops reading the process.
        if (!out.write(m.data)) { ws.pause(); out.once('drain', () => ws.resume()); }
      } else if (m.channel === Channel.error && errorBytes.length + m.data.byteLength <= MAX_ERROR_BYTES) {
        errorBytes = Buffer.concat([errorBytes, m.data]);
      }
    });

    ws.on('close', (code, reason) => {
      if (code !== 1000) {
        return settle(() => reject(new Error(`error reading from error stream: websocket: close ${code}${reason.length ? ` ${reason}` : ''}`)));
      }
      let status: Status;
      try { status = decodeStatus(protocol!, errorBytes); } catch (err) { return settle(() => reject(err)); }
      // Output written before the close must reach the terminal before the caller exits.
      Promise.all([flushed(o.stdout), flushed(o.stderr)]).then(() => settle(() => resolve(status)));
    });
  });
}

function flushed(w: Writable | undefined): Promise<void> {
  if (!w || w.writableEnded || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => w.write(Buffer.alloc(0), () => resolve()));
}
