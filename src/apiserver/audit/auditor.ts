// The audit filter: an Event per request stage to a backend, for plain and upgrade requests alike, and for an
// exec the session record (k8s.io/apiserver/pkg/endpoints/filters/audit.go WithAudit, pkg/audit/request.go).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../../api/status.ts';
import { newRequestInfo } from '../auth/request-info.ts';
import { queryBool } from '../handlers/http.ts';
import type { RequestContext, RequestFilter, RequestInfo } from '../request-context.ts';
import type { APIServerExtension } from '../server.ts';
import { auditUser, levelAtLeast, microTime, nowMicros, responseStatusOf, type Event, type Level, type Stage } from './event.ts';
import { ExecSessionObserver, type ExecSessionRecord, type SpdyDecoderFactory } from './exec-session.ts';
import type { AuditBackend } from './log-backend.ts';
import { evaluatePolicy, type Policy } from './policy.ts';
import { redactExecURI } from './redact.ts';
import { SpdyErrorStream } from './spdy-error-stream.ts';
import { tapSocket } from './socket-tap.ts';

export interface AuditorOptions {
  policy: Policy;
  backend: AuditBackend;
  // How a SPDY session's error stream is read; default: SpdyErrorStream (needs every client byte from the 101 on).
  spdy?: SpdyDecoderFactory;
  now?: () => number;
}

const MAX_STATUS_BODY = 64 * 1024;
export const annotationPrefix = 'exec.workbook.dev/';

export class Auditor {
  // Annotations later filters add to a request's events (upstream: audit.AddAuditAnnotation).
  private readonly annotations = new WeakMap<IncomingMessage, Record<string, string>>();
  private readonly now: () => number;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly opts: AuditorOptions) { this.now = opts.now ?? nowMicros; }

  // #region audit-filter
  // WithAudit: after authentication (securityFilters' afterAuthentication), so `user` is who presented the
  // credentials; impersonation and authorization run after it, and their refusals are recorded too.
  filter(): RequestFilter {
    return (req, ctx) => {
      if (ctx.response) this.request(req, ctx.response, ctx);
      else if (ctx.socket) this.upgrade(req, ctx.socket, ctx);
    };
  }
  // #endregion audit-filter

  // WithFailedAuthenticationAudit: placed before authentication, it records a request authentication refused
  // (which never reaches the audit filter) as upstream does: one ResponseStarted event, no user, code 401.
  failedAuthenticationFilter(): RequestFilter {
    return (req, ctx) => {
      const done = () => {
        if (ctx.authenticatedUser || this.annotations.has(req)) return; // authentication passed
        if (ctx.response && ctx.response.statusCode !== 401) return;    // refused before authentication ran
        const info = ctx.info ?? requestInfoOf(req);
        const { level, omitStages } = evaluatePolicy(this.opts.policy, info);
        if (level === 'None' || omitStages.includes('ResponseStarted')) return;
        const now = this.now();
        const status = { metadata: {}, message: authMethods(req), code: 401 };
        this.opts.backend.processEvents(this.event(req, {}, info, level, headerValue(req, 'audit-id') || randomUUID(), 'ResponseStarted', {}, status, now));
      };
      (ctx.response ?? ctx.socket)?.once('close', done);
    };
  }

  // The failed-authentication filter as an extension, listed before the security extension.
  failedAuthenticationExtension(): APIServerExtension { return { install: () => ({ filters: [this.failedAuthenticationFilter()] }) }; }

  // For an API server without authentication (chapters 1-8's, audited): the filter alone.
  extension(): APIServerExtension { return { install: () => ({ filters: [this.filter()] }) }; }

  annotate(req: IncomingMessage, key: string, value: string): void {
    const a = this.annotations.get(req);
    if (a) a[key] = value;
  }

  // After the server has closed: the requests it cut off still record their last stage (their sockets' 'close'
  // comes a moment later), then the log is flushed. Bounded: a request that never ends does not hold shutdown.
  async close(deadlineMs = 5000): Promise<void> {
    if (this.inflight.size) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => { timer = setTimeout(r, deadlineMs); });
      await Promise.race([Promise.all(this.inflight), deadline]);
      clearTimeout(timer);
    }
    return this.opts.backend.close();
  }

  // A request's end, for close() to wait on.
  private track(emitter: { once(event: 'close', f: () => void): unknown }, onClose: () => void): void {
    let done!: () => void;
    const ended = new Promise<void>((r) => { done = r; });
    this.inflight.add(ended);
    emitter.once('close', () => {
      try { onClose(); } finally { this.inflight.delete(ended); done(); }
    });
  }

  private request(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    const ev = this.begin(req, ctx);
    if (!ev) return;
    res.setHeader('Audit-Id', ev.auditID);
    let code: number | undefined;
    const body: Buffer[] = [];
    let bodyLength = 0;
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
      if (code === undefined) { code = args[0]; ev.started(code); }
      return writeHead.apply(this, args);
    } as ServerResponse['writeHead'];
    // A refusal's body is a Status: keep it (bounded) for responseStatus, as LogResponseObject does.
    const keep = (chunk: unknown) => {
      if (res.statusCode < 400 || bodyLength >= MAX_STATUS_BODY || chunk == null || typeof chunk === 'function') return;
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      body.push(b); bodyLength += b.length;
    };
    const write = res.write, end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) { keep(chunk); return (write as Function).call(this, chunk, ...rest); } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) { keep(chunk); return (end as Function).call(this, chunk, ...rest); } as ServerResponse['end'];
    this.track(res, () => ev.complete(responseStatusOf(code ?? res.statusCode, parseStatus(body))));
  }

  // #region audit-upgrade
  // The socket is the exec handler's; a tap reads both directions as they pass. The first status line written
  // is ResponseStarted (upstream fakes 101 at Hijack, even for a refusal the proxy relays after it; ours is the
  // code really written), the socket's close is ResponseComplete with the session record.
  private upgrade(req: IncomingMessage, socket: Duplex, ctx: RequestContext): void {
    const ev = this.begin(req, ctx);
    if (!ev) return;
    const observer = new ExecSessionObserver(transportOf(req), this.opts.spdy ?? (() => new SpdyErrorStream()));
    let startedAt: number | undefined;
    tapSocket(socket, {
      fromClient: (c) => observer.fromClient(c),
      toClient: (c) => {
        observer.toClient(c);
        if (startedAt !== undefined) return;
        const code = observer.responseCode();
        if (code !== undefined) { startedAt = this.now(); ev.started(code); }
      },
    });
    this.track(socket, () => {
      const r = observer.record();
      if (r.code === 101 && ev.info.subresource === 'exec') {
        Object.assign(ev.annotations, sessionAnnotations(r, (this.now() - (startedAt ?? this.now())) / 1e6));
      }
      ev.complete(r.code === undefined ? undefined : responseStatusOf(r.code, r.status));
    });
  }
  // #endregion audit-upgrade

  // The policy's level for this request; at None nothing is recorded. Otherwise RequestReceived now, and two
  // functions for the later stages.
  private begin(req: IncomingMessage, ctx: RequestContext) {
    const info = ctx.info ?? requestInfoOf(req);
    const user = ctx.authenticatedUser;
    const { level, omitStages } = evaluatePolicy(this.opts.policy, { ...info, user: user && { username: user.name, groups: user.groups } });
    if (level === 'None') return undefined;
    const annotations: Record<string, string> = {};
    this.annotations.set(req, annotations);
    const received = this.now();
    const auditID = headerValue(req, 'audit-id') || randomUUID();
    const longRunning = isLongRunning(info);
    let status: Partial<Status> | undefined;
    let startedSent = false;
    const emit = (stage: Stage) => {
      if (omitStages.includes(stage)) return;
      this.opts.backend.processEvents(this.event(req, ctx, info, level, auditID, stage, annotations, status, received));
    };
    emit('RequestReceived');
    return {
      auditID, info, annotations,
      // processCode: the first status written; ResponseStarted only for requests that stream.
      started: (code: number) => {
        if (status) return;
        status = { metadata: {}, code };
        if (longRunning) { startedSent = true; emit('ResponseStarted'); }
      },
      complete: (final?: Partial<Status>) => {
        // A connection closed before any status: upstream fakes a success, "Connection closed early".
        const faked = { metadata: {}, status: 'Success' as const, message: 'Connection closed early', code: 200 };
        if (!status && longRunning && !startedSent) { status = faked; emit('ResponseStarted'); }
        status = final ?? status ?? faked;
        emit('ResponseComplete');
      },
    };
  }

  private event(req: IncomingMessage, ctx: RequestContext, info: RequestInfo, level: Exclude<Level, 'None'>, auditID: string, stage: Stage,
    annotations: Record<string, string>, status: Partial<Status> | undefined, received: number): Event {
    const exec = info.subresource === 'exec';
    return {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level, auditID, stage,
      requestURI: exec ? redactExecURI(req.url ?? '/', level) : req.url ?? '/',
      verb: info.verb,
      user: auditUser(ctx.authenticatedUser),
      impersonatedUser: ctx.impersonatedUser && auditUser(ctx.impersonatedUser),
      sourceIPs: sourceIPs(req),
      userAgent: headerValue(req, 'user-agent') || undefined,
      objectRef: info.isResourceRequest ? {
        resource: info.resource || undefined, namespace: info.namespace || undefined, name: info.name || undefined,
        apiGroup: info.apiGroup || undefined, apiVersion: info.apiVersion || undefined, subresource: info.subresource || undefined,
      } : undefined,
      responseStatus: stage === 'RequestReceived' ? undefined : status,
      requestObject: exec && levelAtLeast(level, 'Request') ? execOptionsObject(req) : undefined,
      requestReceivedTimestamp: microTime(received),
      stageTimestamp: microTime(stage === 'RequestReceived' ? received : this.now()),
      annotations: Object.keys(annotations).length ? { ...annotations } : undefined,
    };
  }
}

// #region session-annotations
// Beyond upstream: how the session went, as annotations so the line stays a valid audit.k8s.io/v1 Event. Bytes
// are the stream's after the upgrade, framing included, as the API server's client socket carried them.
export function sessionAnnotations(r: ExecSessionRecord, seconds: number): Record<string, string> {
  const a: Record<string, string> = {
    [`${annotationPrefix}duration`]: `${seconds.toFixed(3)}s`,
    [`${annotationPrefix}bytes-from-client`]: String(r.bytesFromClient),
    [`${annotationPrefix}bytes-to-client`]: String(r.bytesToClient),
  };
  if (r.protocol) a[`${annotationPrefix}protocol`] = r.protocol;
  if (r.outcome?.exitCode !== undefined) a[`${annotationPrefix}exit-code`] = String(r.outcome.exitCode);
  if (r.outcome?.error !== undefined) a[`${annotationPrefix}error`] = r.outcome.error;
  return a;
}
// #endregion session-annotations

// BasicLongRunningRequestCheck(watch, proxy; attach, exec, proxy, log, portforward): requests that stream.
export function isLongRunning(info: RequestInfo): boolean {
  return ['watch', 'proxy'].includes(info.verb) || ['attach', 'exec', 'proxy', 'log', 'portforward'].includes(info.subresource);
}

// The request's attributes when no request-info filter ran before audit (an API server without authentication).
function requestInfoOf(req: IncomingMessage): RequestInfo {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let path = url.pathname;
  try { path = decodeURIComponent(path); } catch { /* kept as sent */ }
  return newRequestInfo(req.method ?? 'GET', path, url.searchParams);
}

// getAuthMethods: which credentials the refused request carried.
function authMethods(req: IncomingMessage): string {
  const methods: string[] = [];
  const auth = (headerValue(req, 'authorization') ?? '').trim().split(' ');
  if (auth[0]?.toLowerCase() === 'basic' && auth.length > 1) methods.push('basic');
  if (auth[0]?.toLowerCase() === 'bearer' && auth.length > 1) methods.push('bearer');
  if (new URL(req.url ?? '/', 'http://localhost').searchParams.get('access_token')?.trim()) methods.push('access_token');
  const peer = (req.socket as { getPeerCertificate?: () => object }).getPeerCertificate?.();
  if (peer && Object.keys(peer).length) methods.push('x509');
  return methods.length ? `Authentication failed, attempted: ${methods.join(', ')}` : 'Authentication failed, no credentials provided';
}

function transportOf(req: IncomingMessage): 'websocket' | 'spdy' | 'other' {
  const up = (headerValue(req, 'upgrade') ?? '').toLowerCase();
  return up.includes('websocket') ? 'websocket' : up.includes('spdy/3.1') ? 'spdy' : 'other';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// utilnet.SourceIPs: X-Forwarded-For entries, then X-Real-Ip, then the peer, each once.
export function sourceIPs(req: IncomingMessage): string[] {
  const ips: string[] = [];
  const add = (ip: string | undefined) => { const t = ip?.trim(); if (t && !ips.includes(t)) ips.push(t); };
  for (const ip of (headerValue(req, 'x-forwarded-for') ?? '').split(',')) add(ip);
  add(headerValue(req, 'x-real-ip'));
  add(req.socket?.remoteAddress?.replace(/^::ffff:/, ''));
  return ips;
}

function parseStatus(body: Buffer[]): Partial<Status> | undefined {
  if (!body.length) return undefined;
  try {
    const s = JSON.parse(Buffer.concat(body).toString('utf8')) as Partial<Status>;
    return s?.kind === 'Status' ? s : undefined;
  } catch { return undefined; }
}

// The PodExecOptions as the query carries them, for levels Request and above (ours: upstream's ConnectResource logs
// no request object, so its Request level adds nothing to an exec's line).
function execOptionsObject(req: IncomingMessage): object {
  const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const flag = (k: string) => queryBool(q, k) || undefined;
  return { kind: 'PodExecOptions', apiVersion: 'v1', stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty'),
    container: q.get('container') ?? undefined, command: q.getAll('command') };
}
