// The runtime's streaming server: caches Exec requests under single-use tokens, hands out URLs, and serves
// /exec/{token} with the remotecommand protocols (kubelet pkg/cri/streaming/server.go streaming.Server; cri-dockerd runs its fork, streaming/server.go).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Executor } from '../exec/executor.ts';
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../cri/proto.ts';
import { invalidArgument, unimplemented } from '../cri/grpc-status.ts';
import { serveExec, type ServeExecOptions } from '../remotecommand/serve-exec.ts';
import { listenBacklog } from '../util/listen-backlog.ts';
import { answerClientError, MAX_HEADER_BYTES } from '../util/raw-response.ts';
import { RequestCache, tokenPrefix, type CachedRequest } from './request-cache.ts';

export interface StreamingServerOptions {
  executor: Executor;                 // ExecInContainer: where a cached exec finally runs
  cache?: RequestCache;
  port?: number;
  hop?: string;                       // names this server in the refusals it writes ("runtime shim node-1")
  log?: (line: string) => void;
  // The library's Config (server.go DefaultConfig): how long a session may pass with no message either way
  // before it is cut off, and how long a SPDY client gets to open its streams after the upgrade (chapter 8:
  // a WebSocket's streams exist with the upgrade, so createWebSocketStreams never looks at it).
  streamIdleTimeoutMs?: number;
  streamCreationTimeoutMs?: number;
  // How a stream is served: serveExec (WebSocket v1–v5: chapters 5–7) unless told otherwise; chapter 8's runtime
  // passes serveRemoteCommand (remotecommand/serve-stream.ts), upstream's SPDY and WebSocket sets.
  serveStream?: ServeStream;
}

// serveExec's contract: owns the socket, resolves when the session is over.
export type ServeStream = (req: IncomingMessage, socket: Duplex, head: Buffer,
  o: Omit<ServeExecOptions, 'protocols'> & { streamCreationTimeoutMs?: number }) => Promise<unknown>;

// DefaultConfig: StreamIdleTimeout 4 h, StreamCreationTimeout remotecommand.DefaultStreamCreationTimeout (30 s).
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 4 * 3_600_000;
export const DEFAULT_STREAM_CREATION_TIMEOUT_MS = 30_000;

const ROUTE = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)$/;

// #region validate-exec
// The checks the real server's GetExec makes before it caches anything.
export function validateExecRequest(req: ExecRequest | AttachRequest): void {
  if (!req.container_id) throw invalidArgument('missing required container_id');
  if (req.tty && req.stderr) {
    // A terminal merges stdout and stderr into one stream: there is nothing to put on stderr.
    throw invalidArgument('tty and stderr cannot both be true');
  }
  if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('one of stdin, stdout, or stderr must be set');
}
// #endregion validate-exec

export class StreamingServer {
  readonly cache: RequestCache;
  private readonly server: Server;
  private readonly sessions = new Set<Duplex>();
  private baseURL?: URL;
  private readonly log: (line: string) => void;
  readonly config: { streamIdleTimeoutMs: number; streamCreationTimeoutMs: number };

  constructor(private readonly opts: StreamingServerOptions) {
    this.cache = opts.cache ?? new RequestCache();
    this.config = {
      streamIdleTimeoutMs: opts.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
      streamCreationTimeoutMs: opts.streamCreationTimeoutMs ?? DEFAULT_STREAM_CREATION_TIMEOUT_MS,
    };
    this.log = opts.log ?? (() => {});
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => this.handleRequest(req, res));
    this.server.on('clientError', answerClientError);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sessions.add(socket);
      socket.once('close', () => this.sessions.delete(socket));
      socket.on('error', () => socket.destroy());
      void this.serveUpgrade(req, socket, head);
    });
  }

  async start(): Promise<URL> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // Loopback only: a URL works for whoever can reach its address, and only the kubelet should.
      this.server.listen({ port: this.opts.port ?? 0, host: '127.0.0.1', backlog: listenBacklog() }, () => { this.server.off('error', reject); resolve(); });
    });
    const { address, port } = this.server.address() as AddressInfo;
    // As the real server does on Start: the base URL takes the port the listener actually got.
    this.baseURL = new URL(`http://${address}:${port}/`);
    return this.baseURL;
  }

  get url(): URL {
    if (!this.baseURL) throw new Error('streaming server not started');
    return this.baseURL;
  }

  // #region get-exec
  // Called by the shim's gRPC Exec: validate, cache, and answer with the URL that names the request.
  getExec(req: ExecRequest): string {
    validateExecRequest(req);
    const token = this.cache.insert({ kind: 'exec', req: { ...req, cmd: [...req.cmd] } });
    return new URL(`exec/${token}`, this.url).toString();
  }
  // #endregion get-exec

  // Attach and port-forward ride the same server; chapter 10 gives them their runtime halves.
  getAttach(_req: AttachRequest): string { throw unimplemented('Attach is served by the streaming server from chapter 10 (siblings)'); }
  getPortForward(_req: PortForwardRequest): string { throw unimplemented('PortForward is served by the streaming server from chapter 10 (siblings)'); }

  // A plain request that names a live token still uses it up: a token is one attempt, not one success.
  private handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const found = this.lookup(req);
    if (!found) return void res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Upgrade request required\n');
  }

  // #region serve-upgrade
  private async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const found = this.lookup(req);
    if (!found) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 19\r\nConnection: close\r\n\r\n404 page not found\n');
      return;
    }
    if (found.kind !== 'exec') return void socket.destroy(); // no attach/portforward tokens are issued before chapter 10
    const { container_id, cmd, stdin, stdout, stderr, tty } = found.req;
    // The options come from the cached request, never from this request's query: the token is the whole authority.
    const serve: ServeStream = this.opts.serveStream ?? serveExec;
    try {
      await serve(req, socket, head, {
        executor: this.opts.executor,
        target: { container: container_id, cmd },
        options: { stdin, stdout, stderr, tty },
        hop: this.opts.hop,
        log: this.log,
        idleTimeoutMs: this.config.streamIdleTimeoutMs,
        streamCreationTimeoutMs: this.config.streamCreationTimeoutMs,
      });
    } catch (err) {
      this.log(`exec in ${container_id.slice(0, 13)} failed: ${err instanceof Error ? err.message : String(err)}`);
      socket.destroy();
    }
  }
  // #endregion serve-upgrade

  private lookup(req: IncomingMessage): CachedRequest | undefined {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://streaming').pathname;
    const m = ROUTE.exec(path);
    if (!m) {
      this.log(`${method} ${path.slice(0, 16)}${path.length > 16 ? '…' : ''}: 404`); // a cut path: it may hold a token
      return undefined;
    }
    const [, kind, token] = m as unknown as [string, string, string];
    if (method !== 'GET' && method !== 'POST') {
      this.log(`${method} /${kind}/${tokenPrefix(token)}: 404`);
      return undefined;
    }
    const found = this.cache.consume(token);
    if (!found || found.kind !== kind) {
      this.log(`${method} /${kind}/${tokenPrefix(token)}: unknown, used or expired token: 404`);
      return undefined;
    }
    const target = 'container_id' in found.req ? found.req.container_id : found.req.pod_sandbox_id;
    this.log(`${method} /${kind}/${tokenPrefix(token)}: ${kind} in ${target.slice(0, 13)}`);
    return found;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.destroy();
    this.server.closeAllConnections();
    await closed;
  }
}
