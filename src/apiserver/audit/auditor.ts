// The audit filter: an Event per request stage to a backend, for plain and upgrade requests alike, and for an
// exec the session record (k8s.io/apiserver/pkg/endpoints/filters/audit.go WithAudit, pkg/audit/request.go).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../../api/status.ts';
import type { UserInfo } from '../admission/interfaces.ts';
import { queryBool } from '../handlers/http.ts';
import { levelAtLeast, microTime, nowMicros, responseStatusOf, type Event, type Level, type Stage } from './event.ts';
import { ExecSessionObserver, type ExecSessionRecord, type SpdyDecoderFactory } from './exec-session.ts';
import type { AuditBackend } from './log-backend.ts';
import { evaluatePolicy, type Policy } from './policy.ts';
import { redactExecURI } from './redact.ts';
import { isLongRunning, requestInfo, type RequestInfo } from './request-info.ts';
import { tapSocket } from './socket-tap.ts';

export interface AuditorOptions {
  policy: Policy;
  backend: AuditBackend;
  // Who sent the request, once authentication has said (none before chapter 9's authenticators run).
  userFrom?: (req: IncomingMessage) => UserInfo | undefined;
  // Chapter 8's SPDY reader, for the exit code of SPDY sessions.
  spdy?: SpdyDecoderFactory;
  now?: () => number;
}

// What a later filter may add to a request's events (impersonation, the authorizer's decision).
export interface AuditContext { annotations: Record<string, string>; impersonatedUser?: UserInfo }

const MAX_STATUS_BODY = 64 * 1024;
export const annotationPrefix = 'exec.workbook.dev/';

export class Auditor {
  private readonly contexts = new WeakMap<IncomingMessage, AuditContext>();
  private readonly now: () => number;

  constructor(private readonly opts: AuditorOptions) { this.now = opts.now ?? nowMicros; }

  // The request's context, for filters that run after audit (upstream: audit.AddAuditAnnotation, LogImpersonatedUser).
  context(req: IncomingMessage): AuditContext | undefined { return this.contexts.get(req); }

  // #region audit-plain
  request(req: IncomingMessage, res: ServerResponse): void {
    const ev = this.begin(req);
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
    res.once('close', () => ev.complete(responseStatusOf(code ?? res.statusCode, parseStatus(body))));
  }
  // #endregion audit-plain

  // #region audit-upgrade
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ev = this.begin(req);
    if (!ev) return;
    const observer = new ExecSessionObserver(transportOf(req), this.opts.spdy);
    let startedAt: number | undefined;
    if (head.length) observer.fromClient(head);
    tapSocket(socket, {
      fromClient: (c) => observer.fromClient(c),
      toClient: (c) => {
        observer.toClient(c);
        const r = startedAt === undefined ? observer.record() : undefined;
        if (r?.code !== undefined) { startedAt = this.now(); ev.started(r.code); }
      },
    });
    socket.once('close', () => {
      const r = observer.record();
      if (r.code === 101 && ev.info.subresource === 'exec') {
        Object.assign(ev.context.annotations, sessionAnnotations(r, (this.now() - (startedAt ?? this.now())) / 1e6));
      }
      ev.complete(r.code === undefined ? undefined : responseStatusOf(r.code, r.status));
    });
  }
  // #endregion audit-upgrade

  close(): Promise<void> { return this.opts.backend.close(); }

  // The policy's level for this request; at None nothing is recorded. Otherwise RequestReceived now, and two
  // functions for the later stages.
  private begin(req: IncomingMessage) {
    const info = requestInfo(req);
    const user = this.opts.userFrom?.(req);
    const { level, omitStages } = evaluatePolicy(this.opts.policy, { ...info, user });
    if (level === 'None') return undefined;
    const context: AuditContext = { annotations: {} };
    this.contexts.set(req, context);
    const received = this.now();
    const auditID = headerValue(req, 'audit-id') || randomUUID();
    const longRunning = isLongRunning(info);
    let status: Partial<Status> | undefined;
    let startedSent = false;
    const emit = (stage: Stage) => {
      if (omitStages.includes(stage)) return;
      this.opts.backend.processEvents(this.event(req, info, level, auditID, stage, user, context, status, received));
    };
    emit('RequestReceived');
    return {
      auditID, info, context,
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

  private event(req: IncomingMessage, info: RequestInfo, level: Exclude<Level, 'None'>, auditID: string, stage: Stage,
    user: UserInfo | undefined, ctx: AuditContext, status: Partial<Status> | undefined, received: number): Event {
    const exec = info.subresource === 'exec';
    const e: Event = {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level, auditID, stage,
      requestURI: exec ? redactExecURI(req.url ?? '/', level) : req.url ?? '/',
      verb: info.verb,
      user: user ?? {},
      impersonatedUser: ctx.impersonatedUser,
      sourceIPs: sourceIPs(req),
      userAgent: headerValue(req, 'user-agent') || undefined,
      objectRef: info.isResourceRequest ? {
        resource: info.resource, namespace: info.namespace, name: info.name,
        apiGroup: info.apiGroup || undefined, apiVersion: info.apiVersion, subresource: info.subresource,
      } : undefined,
      responseStatus: stage === 'RequestReceived' ? undefined : status,
      requestObject: exec && levelAtLeast(level, 'Request') ? execOptionsObject(req) : undefined,
      requestReceivedTimestamp: microTime(received),
      stageTimestamp: microTime(stage === 'RequestReceived' ? received : this.now()),
      annotations: Object.keys(ctx.annotations).length ? { ...ctx.annotations } : undefined,
    };
    return e;
  }
}

// #region session-annotations
// Beyond upstream: how the session went, as annotations so the line stays a valid audit.k8s.io/v1 Event.
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

// The PodExecOptions as the query carries them, for levels Request and above.
function execOptionsObject(req: IncomingMessage): object {
  const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const flag = (k: string) => queryBool(q, k) || undefined;
  return { kind: 'PodExecOptions', apiVersion: 'v1', stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty'),
    container: q.get('container') ?? undefined, command: q.getAll('command') };
}
