// The kubelet's HTTP server: /healthz, /pods and the exec routes, where getExec finds the pod and asks the
// runtime where the exec goes (pkg/kubelet/server/server.go: InstallDebuggingHandlers, getExec, proxyStream).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { badRequest, notFoundPath, StatusError, toStatus, type Status } from '../api/status.ts';
import type { List, Pod } from '../api/types.ts';
import { UpgradeAwareProxy } from '../proxy/upgrade-aware.ts';
import { answerClientError, closeAfterFlush, MAX_HEADER_BYTES, writeStatusAndClose } from '../util/raw-response.ts';
import { listenBacklog } from '../util/listen-backlog.ts';
import { serveExec } from '../remotecommand/serve-exec.ts';
import { isExecPath, parseExecRequest } from './exec-request.ts';
import type { PodManager } from './pod-manager.ts';
import type { KubeletRuntime } from './runtime.ts';

export interface KubeletServerOptions {
  nodeName: string;
  podManager: PodManager;
  runtime: KubeletRuntime;
  host?: string;   // 127.0.0.1
  port?: number;   // 0: ephemeral
  log?: (line: string) => void;
}

export class KubeletServer {
  private readonly server: Server;
  private readonly sessions = new Set<Duplex>();
  private readonly hop: string;

  constructor(private readonly opts: KubeletServerOptions) {
    this.hop = `kubelet ${opts.nodeName}`;
    this.server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => this.handle(req, res));
    this.server.on('clientError', answerClientError);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sessions.add(socket);
      socket.once('close', () => this.sessions.delete(socket));
      socket.on('error', () => socket.destroy());
      void this.upgrade(req, socket, head);
    });
  }

  async listen(): Promise<URL> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port: this.opts.port ?? 0, host: this.opts.host ?? '127.0.0.1', backlog: listenBacklog() }, () => { this.server.off('error', reject); resolve(); });
    });
    const { address, port } = this.server.address() as AddressInfo;
    return new URL(`http://${address}:${port}`);
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
    // The exec routes speak only upgrades: a plain request gets the words of the real kubelet's proxy.
    if (isExecPath(url.pathname)) return this.writeStatus(res, badRequest(`${this.hop}: Upgrade request required`).status);
    this.writeStatus(res, notFoundPath().status);
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (!isExecPath(url.pathname)) return writeStatusAndClose(socket, notFoundPath().status);
    try {
      await this.getExec(req, socket, head);
    } catch (err) {
      this.opts.log?.(`exec ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`);
      if (!socket.destroyed) await writeStatusAndClose(socket, this.named(err));
    }
  }

  // #region get-exec
  // GET or POST /exec/{namespace}/{pod}[/{uid}]/{container}?command=...&input=1&output=1&error=1&tty=1
  async getExec(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const r = parseExecRequest(new URL(req.url ?? '/', 'http://kubelet'));
    const pod = this.opts.podManager.getPodByName(r.namespace, r.pod);
    if (!pod || (r.uid && pod.metadata.uid !== r.uid)) {
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: `${this.hop}: pod does not exist` });
    }
    const streams = { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, tty: r.tty };
    const dest = await this.opts.runtime.getExec(pod, r.container, r.command, streams);
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

  private named(err: unknown): Status {
    const status = toStatus(err);
    const message = status.message ?? '';
    return message.startsWith(this.hop) ? status : { ...status, message: `${this.hop}: ${message}` };
  }

  private writeStatus(res: ServerResponse, status: Status): void {
    res.writeHead(status.code ?? 500, { 'Content-Type': 'application/json' }).end(JSON.stringify(status));
  }
}

function writeRedirectAndClose(socket: Duplex, location: string): Promise<void> {
  socket.write(`HTTP/1.1 302 Found\r\nLocation: ${location.replace(/[\r\n]/g, '')}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  return closeAfterFlush(socket);
}
