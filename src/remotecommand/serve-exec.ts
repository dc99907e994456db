// serveExec: the server half of remotecommand over WebSocket — the upgrade, one session, the Status, close 1000 (kubelet cri/streaming/remotecommand/exec.go ServeExec, websocket.go, wsstream/conn.go).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Status } from '../api/status.ts';
import type { ExecTarget, Executor } from '../exec/executor.ts';
import { parseProtocolHeader, selectProtocol, supportedProtocolNames } from './protocols.ts';
import { ExecSession, type StreamOptions } from './session.ts';
import type { MessageParts } from './codec.ts';
import { frameHead, Opcode } from './frame-head.ts';
import { writeStatusAndClose } from '../util/raw-response.ts';
import { internalErrorStatus } from './status.ts';

export interface ServeExecOptions {
  executor: Executor;
  target: ExecTarget;
  options: StreamOptions;
  hop?: string;                   // prefixes the messages this hop writes ("kubelet node-1")
  log?: (line: string) => void;
  // StreamIdleTimeout: a session with no message either way for this long is cut off (absent or 0: never).
  idleTimeoutMs?: number;
  // The WebSocket subprotocols served (default: all five). The runtime's streaming server in upstream's shape
  // (chapter 8) serves v4.channel.k8s.io, v4.base64, channel.k8s.io and base64: v5 ends at the API server there.
  protocols?: readonly string[];
}

// wsstream's Conn.SetIdleTimeout: each message read or written pushes a deadline on; pings do not count. When it
// passes, the real server's read fails and its close frame cannot be written either (the same deadline), so the
// connection just ends, and so does the session. Only timers here: the caller says what ending means.
// One timer per session, re-armed only when it fires early: a touch per message is just a clock read.
function idleDeadline(ms: number | undefined, expire: () => void): { touch(): void; stop(): void } {
  if (!ms || ms <= 0) return { touch() {}, stop() {} };
  let last = performance.now();
  const check = () => {
    const left = last + ms - performance.now();
    if (left > 0) timer = setTimeout(check, left);
    else expire();
  };
  let timer = setTimeout(check, ms);
  return {
    touch() { last = performance.now(); },
    stop() { clearTimeout(timer); },
  };
}

// Largest message we accept from a client (kubectl writes stdin in 32 KiB pieces).
const MAX_MESSAGE = 4 << 20;

// A WebSocket whose close 1009 says which hop refused the message. ws closes on its own, with no reason
// text, when a message is larger than maxPayload; behind two proxies a bare 1009 names nobody.
class HopWebSocket extends WebSocket {
  tooBigReason?: string;
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, code === 1009 && data === undefined ? this.tooBigReason : data);
  }
}

let server: WebSocketServer | undefined;
function wsServer(): WebSocketServer {
  if (server) return server;
  // noServer: the HTTP server's 'upgrade' handler owns routing; we only complete handshakes.
  // No permessage-deflate: client-node asks for it, kubectl does not, Kubernetes never enables it.
  // handleProtocols: the first protocol in the CLIENT's order that we speak (refusals were sent before).
  server = new WebSocketServer({
    WebSocket: HopWebSocket, noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: MAX_MESSAGE,
    handleProtocols: (offered: Set<string>) => selectProtocol(offered)?.name || false,
  });
  // A handshake ws still refuses (refusal() checks what it would) gets a Status, never ws's HTML page.
  server.on('wsClientError', (err: Error, socket: Duplex) => void writeStatusAndClose(socket, failure(400, 'BadRequest', `unable to upgrade: ${err.message}`)));
  return server;
}

const failure = (code: number, reason: string, message: string): Status =>
  ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

// #region new-options
// The one refusal of remotecommand's NewOptions, made by whoever reads the exec options off the request (the
// kubelet; in chapter 2 the local backend that plays it), before anything else: a terminal merges stderr into
// stdout, so tty drops stderr, and some stream must remain. Answered 400 in plain text, as the kubelet does.
export function streamOptionsError(o: StreamOptions): string | undefined {
  const stderr = o.stderr && !o.tty;
  return !o.stdin && !o.stdout && !stderr ? 'you must specify at least 1 of stdin, stdout, stderr' : undefined;
}
// #endregion new-options

// #region refuse
// Refusals happen before the upgrade, as an HTTP response with a Status body. kubectl retries a
// refused WebSocket with a SPDY POST and shows only the second answer, so both get the same words.
function refusal(req: IncomingMessage, o: ServeExecOptions): Status | undefined {
  const name = (m: string) => (o.hop ? `${o.hop}: ${m}` : m);
  const noTTY = ttyRefusal(o);
  if (noTTY) return noTTY;
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade.includes('spdy/')) {
    return failure(400, 'BadRequest', name('SPDY is not served yet: this server speaks remotecommand over WebSocket only (SPDY arrives in chapter 8)'));
  }
  if (upgrade !== 'websocket') return failure(400, 'BadRequest', name('Upgrade request required'));
  // The handshake checks ws would make, answered as a Status rather than ws's HTML page.
  if (req.method !== 'GET') return failure(405, 'MethodNotAllowed', name(`unable to upgrade: a WebSocket handshake is a GET, not a ${req.method}`));
  if (!/^[+/0-9A-Za-z]{22}==$/.test(String(req.headers['sec-websocket-key'] ?? ''))) {
    return failure(400, 'BadRequest', name('unable to upgrade: missing or invalid Sec-WebSocket-Key header'));
  }
  if (!['13', '8'].includes(String(req.headers['sec-websocket-version'] ?? '').trim())) {
    return failure(400, 'BadRequest', name('unable to upgrade: unsupported Sec-WebSocket-Version (this server speaks 13)'));
  }
  const offered = parseProtocolHeader(req.headers['sec-websocket-protocol']);
  const supported = o.protocols ?? supportedProtocolNames;
  if (!selectProtocol(offered, supported)) {
    // x/net/websocket answers 403 when no subprotocol matches.
    return failure(403, 'Forbidden', name(`unable to upgrade: none of the offered subprotocols [${offered.join(', ')}] is supported; this server speaks ${supported.join(', ')}`));
  }
  return undefined;
}
// #endregion refuse

// A runtime without terminals refuses tty=true before any upgrade, WebSocket or SPDY alike (spdy-serve-exec.ts).
export function ttyRefusal(o: Pick<ServeExecOptions, 'options' | 'executor' | 'hop'>): Status | undefined {
  if (!o.options.tty || o.executor.supportsTTY) return undefined;
  const message = 'a terminal (tty=true, kubectl exec -t) is not served by this runtime; run the command without -t';
  return failure(400, 'BadRequest', o.hop ? `${o.hop}: ${message}` : message);
}

// One binary message from its parts, written past ws on the socket ws owns: the frame's header with the first part
// (the channel byte) in one small buffer, then the payload as it is, corked into one writev. Sound because ws writes
// each frame at once and in order here (no permessage-deflate, no Blobs: its Sender never queues), and its
// bufferedAmount counts the socket's queue, these writes included.
function sendParts(ws: WebSocket, socket: Duplex, [first, rest]: MessageParts, done: (err?: Error) => void): void {
  const cb = (err?: Error | null) => done(err ?? undefined);
  if (ws.readyState !== WebSocket.OPEN) return void process.nextTick(cb, new Error(`WebSocket is not open: readyState ${ws.readyState}`));
  const head = frameHead(Opcode.binary, first.byteLength + rest.byteLength, first);
  if (rest.byteLength === 0) return void socket.write(head, cb);
  socket.cork();
  socket.write(head);
  socket.write(rest, cb);
  socket.uncork();
}

// #region serve-exec
// Owns the socket from here on. Resolves when the session is over and the socket is closed;
// returns the Status that was sent (undefined when the client left before the end).
export async function serveExec(req: IncomingMessage, socket: Duplex, head: Buffer, o: ServeExecOptions): Promise<Status | undefined> {
  const log = o.log ?? (() => {});
  const refused = refusal(req, o);
  if (refused) {
    log(`exec refused (${refused.code}): ${refused.message}`);
    await writeStatusAndClose(socket, refused);
    return refused;
  }
  const protocol = selectProtocol(parseProtocolHeader(req.headers['sec-websocket-protocol']), o.protocols)!;
  // ws sees only the protocol we chose. An empty or blank header is no offer at all, as in
  // x/net/websocket (plain channel.k8s.io), where ws would refuse it as malformed with an HTML page.
  if (protocol.name) req.headers['sec-websocket-protocol'] = protocol.name;
  else delete req.headers['sec-websocket-protocol'];
  const ws = await new Promise<HopWebSocket | undefined>((resolve) => {
    socket.once('close', () => resolve(undefined)); // ws answered 400 itself (a bad handshake)
    wsServer().handleUpgrade(req, socket, head, (ws) => resolve(ws as HopWebSocket));
  });
  if (!ws) return undefined;
  // A close reason holds at most 123 bytes.
  ws.tooBigReason = `${o.hop ? `${o.hop}: ` : ''}the limit is ${MAX_MESSAGE} bytes per message`.slice(0, 123);

  const idle = idleDeadline(o.idleTimeoutMs, () => {
    log(`no message for ${o.idleTimeoutMs} ms (stream idle timeout): closing the connection`);
    socket.destroy();
  });
  const session = new ExecSession(protocol, o.options, {
    send: (message, cb) => {
      idle.touch();
      if (Array.isArray(message)) sendParts(ws, socket, message as MessageParts, cb);
      else ws.send(message as Uint8Array | string, { binary: typeof message !== 'string' }, cb);
    },
    bufferedAmount: () => ws.bufferedAmount,
    pauseInput: () => ws.pause(),
    resumeInput: () => ws.resume(),
  }, log);

  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  void closed.then(() => { idle.stop(); session.close(); });
  const gone = new AbortController();
  let finished = false;
  // A client that goes away mid-stream aborts the executor, which kills the process group.
  closed.then(() => { if (!finished) gone.abort(new Error('client disconnected')); });
  ws.on('error', (err) => log(`websocket: ${err.message}`));
  let protocolError: Error | undefined;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    idle.touch();
    try { session.receive(isBinary ? data : data.toString('latin1'), isBinary); } catch (err) {
      protocolError = err as Error;
      log(`protocol error: ${protocolError.message}`);
      gone.abort(protocolError);
    }
  });

  const status = await session.run(o.executor, o.target, gone.signal);
  finished = true;
  if (ws.readyState !== ws.OPEN) { await closed; return undefined; }
  if (protocolError) {
    await session.sendStatus(internalErrorStatus(protocolError));
    ws.close(1002, 'protocol error');
  } else {
    await session.sendStatus(status);
    ws.close(1000); // kubectl requires exactly 1000, else "websocket: close 1006" and exit 1
  }
  await closed;
  return protocolError ? undefined : status;
}
// #endregion serve-exec
