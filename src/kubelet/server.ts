// The kubelet's HTTP server: /healthz, /pods and the exec routes, where getExec finds the pod and asks the
// runtime where the exec goes (pkg/kubelet/server/server.go: InstallDebuggingHandlers, getExec, proxyStream).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createSecureServer, type ServerOptions as TLSServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { notFoundPath, StatusError, toStatus, type Status } from '../api/status.ts';
import type { List, Pod } from '../api/types.ts';
import { UpgradeAwareProxy } from '../proxy/upgrade-aware.ts';
import { answerClientError, closeAfterFlush, MAX_HEADER_BYTES, writeStatusAndClose, writeTextAndClose } from '../util/raw-response.ts';
import { listenBacklog } from '../util/listen-backlog.ts';
import { serveExec } from '../remotecommand/serve-exec.ts';
import { isExecPath, parseExecRequest, type KubeletExecRequest } from './exec-request.ts';
import type { PodManager } from './pod-manager.ts';
import type { ExecDestination, KubeletRuntime } from './runtime.ts';

export interface KubeletServerOptions {
  nodeName: string;
  podManager: PodManager;
  runtime: KubeletRuntime;
  host?: string;   // 127.0.0.1
  port?: number;   // 0: ephemeral
  log?: (line: string) => void;
  // Chapter 9: serve HTTPS only, and put every request through the front door first.
  tls?: TLSServerOptions;
  frontDoor?: KubeletRequestFilter;
}

// #region request-filter
// The seam for server.go's InstallAuthFilter (chapter 9: kubelet/auth/front-door.ts): undefined lets a request
// through; a refusal is written as plain text, on plain requests and upgrades alike, before any route runs.
export interface KubeletRequestFilter {
  check(req: IncomingMessage): Promise<{ code: number; text: string } | undefined>;
}
// #endregion request-filter

export class KubeletServer {
  private readonly server: Server;
  private readonly sessions = new Set<Duplex>();
  private readonly hop: string;

  constructor(private readonly opts: KubeletServerOptions) {
    this.hop = `kubelet ${opts.nodeName}`;
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.filtered(req, res);
    this.server = opts.tls
      ? createSecureServer({ ...opts.tls, maxHeaderSize: MAX_HEADER_BYTES }, handler)
      : createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler);
    this.server.on('clientError', answerClientError);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sessions.add(socket);
      socket.once('close', () => this.sessions.delete(socket));
      socket.on('error', () => socket.destroy());
      void this.filteredUpgrade(req, socket, head);
    });
  }

  private async filtered(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => {});
    const refusal = await this.refusal(req);
    if (res.destroyed) return;
    if (refusal) {
      const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(refusal.text)) };
      return void res.writeHead(refusal.code, headers).end(refusal.text);
    }
    this.handle(req, res);
  }

  private async filteredUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refusal = await this.refusal(req);
    if (refusal) {
      this.opts.log?.(`${this.hop}: ${req.method} ${new URL(req.url ?? '/', 'http://kubelet').pathname}: ${refusal.code} ${refusal.text.trimEnd()}`);
      if (!socket.destroyed) await writeTextAndClose(socket, refusal.code, refusal.text);
      return;
    }
    // A client that left while it was being authorized gets nothing started for it (no streaming token spent).
    if (socket.destroyed) return;
    await this.upgrade(req, socket, head);
  }

  // The front door's answer; a filter that fails refuses (500), it never lets a request through.
  private async refusal(req: IncomingMessage): Promise<{ code: number; text: string } | undefined> {
    if (!this.opts.frontDoor) return undefined;
    try {
      return await this.opts.frontDoor.check(req);
    } catch (err) {
      return { code: 500, text: `${this.hop}: ${(err as Error).message}` };
    }
  }

  async listen(): Promise<URL> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port: this.opts.port ?? 0, host: this.opts.host ?? '127.0.0.1', backlog: listenBacklog() }, () => { this.server.off('error', reject); resolve(); });
    });
    const { address, port } = this.server.address() as AddressInfo;
    return new URL(`${this.opts.tls ? 'https' : 'http'}://${address}:${port}`);
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  // Stops accepting, ends the exec sessions in flight, resolves when the server is closed.
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (url.pathname === '/healthz') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    if (url.pathname === '/metrics' && this.opts.runtime.metrics) {
      return void res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(this.opts.runtime.metrics());
    }
    if (url.pathname === '/pods') {
      const list: List<Pod> = { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.opts.podManager.pods() };
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(list));
    }
    if (isExecPath(url.pathname)) return void this.plainExec(req, res);
    this.writeStatus(res, notFoundPath().status);
  }

  // A plain request on an exec route goes as far as an upgrade would (options, pod, the runtime's GetExec,
  // which spends a streaming token), then gets the 500 of the kubelet's proxy: it only streams.
  private async plainExec(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => {});
    try {
      const { dest } = await this.prepareExec(req);
      if (dest.kind === 'url' && dest.redirect) return void res.writeHead(302, { Location: dest.url, 'Content-Length': '0' }).end();
      throw new KubeletHTTPError(500, 'Upgrade request required\n', { 'X-Content-Type-Options': 'nosniff' });
    } catch (err) {
      const e = this.asKubeletError(err);
      res.writeHead(e.code, { 'Content-Type': 'text/plain; charset=utf-8', ...e.headers }).end(e.text);
    }
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (!isExecPath(url.pathname)) return writeStatusAndClose(socket, notFoundPath().status);
    try {
      await this.getExec(req, socket, head);
    } catch (err) {
      const e = this.asKubeletError(err);
      this.opts.log?.(`${this.hop}: exec ${url.pathname}: ${e.code} ${e.text.trimEnd()}`);
      if (!socket.destroyed) await writeTextAndClose(socket, e.code, e.text, e.headers);
    }
  }

  // #region prepare-exec
  // The route table (GET, POST), remotecommand.NewOptions, the pod by namespace and name, the runtime's
  // GetExec. Each refusal is plain text in the real kubelet's words, never a Status, and names no hop: kubectl
  // reads a body holding ": " as YAML, finds an empty Status in it and prints only "Error from server: ".
  private async prepareExec(req: IncomingMessage): Promise<{ r: KubeletExecRequest; dest: ExecDestination }> {
    if (req.method !== 'GET' && req.method !== 'POST') throw new KubeletHTTPError(405, '405: Method Not Allowed', { Allow: 'GET, POST' });
    let r: KubeletExecRequest;
    try {
      r = parseExecRequest(new URL(req.url ?? '/', 'http://kubelet'));
    } catch (err) {
      // A path no route matches is go-restful's 404; bad options are WriteError(400).
      if (err instanceof StatusError && err.code === 404) throw new KubeletHTTPError(404, '404: Page Not Found');
      throw new KubeletHTTPError(400, (err as Error).message);
    }
    // The uid in the path is not compared: the real kubelet's FindPod goes by the pod's full name.
    const pod = this.opts.podManager.getPodByName(r.namespace, r.pod);
    if (!pod) throw new KubeletHTTPError(404, 'pod does not exist');
    const streams = { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, tty: r.tty };
    try {
      return { r, dest: await this.opts.runtime.getExec(pod, r.container, r.command, streams) };
    } catch (err) {
      throw runtimeError(err);
    }
  }
  // #endregion prepare-exec

  // #region get-exec
  // GET or POST /exec/{namespace}/{pod}[/{uid}]/{container}?command=...&input=1&output=1&error=1&tty=1
  async getExec(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { r, dest } = await this.prepareExec(req);
    const streams = { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, tty: r.tty };
    if (dest.kind === 'executor') {
      // The kubelet serves the stream itself, with the same remotecommand code as chapter 2.
      await serveExec(req, socket, head, { executor: dest.executor, target: dest.target, options: streams, hop: this.hop, log: this.opts.log });
    } else if (dest.redirect) {
      // --redirect-container-streaming (removed in 1.20): send the client to the runtime instead of proxying.
      await writeRedirectAndClose(socket, dest.url);
    } else {
      // The runtime's streaming server serves it; the kubelet only joins the two connections. If the
      // runtime shim dies mid-stream, the client hears it from us on the error channel.
      await new UpgradeAwareProxy(new URL(dest.url), {
        hop: `${this.hop}: runtime streaming server`,
        lostStream: (cause) => `${this.hop}: runtime shim ${this.opts.nodeName}: the streaming connection was lost: ${cause}`,
      }).serveUpgrade(req, socket, head);
    }
  }
  // #endregion get-exec

  private asKubeletError(err: unknown): KubeletHTTPError {
    return err instanceof KubeletHTTPError ? err : runtimeError(err);
  }

  private writeStatus(res: ServerResponse, status: Status): void {
    res.writeHead(status.code ?? 500, { 'Content-Type': 'application/json' }).end(JSON.stringify(status));
  }
}

// An answer the kubelet writes as plain text (go-restful's WriteError, http.Error, streaming.WriteError).
export class KubeletHTTPError extends Error {
  constructor(readonly code: number, readonly text: string, readonly headers: Record<string, string> = {}) {
    super(text.trimEnd());
  }
}

// streaming.WriteError: the error's words with the code its gRPC status maps to: NotFound 404, ResourceExhausted
// 429 with Retry-After, anything else (a plain error such as "container not found") 500. Our runtimes say so
// with a StatusError's code (kubelet/cri-errors.ts).
function runtimeError(err: unknown): KubeletHTTPError {
  const status = toStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  const code = status.code === 404 || status.code === 429 ? status.code : 500;
  const retry = status.details?.retryAfterSeconds;
  return new KubeletHTTPError(code, message, code === 429 && retry ? { 'Retry-After': String(retry) } : {});
}

function writeRedirectAndClose(socket: Duplex, location: string): Promise<void> {
  socket.write(`HTTP/1.1 302 Found\r\nLocation: ${location.replace(/[\r\n]/g, '')}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  return closeAfterFlush(socket);
}
