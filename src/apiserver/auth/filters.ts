// The handler chain's security filters, in upstream's order: request info, authentication, (audit), impersonation,
// authorization (k8s.io/apiserver/pkg/endpoints/filters: requestinfo.go, authentication.go, impersonation.go,
// authorization.go; pkg/server/config.go DefaultBuildHandlerChain).
import type { IncomingMessage } from 'node:http';
import { StatusError, unauthorized } from '../../api/status.ts';
import type { RequestContext, RequestFilter, UserInfo } from '../request-context.ts';
import { attributesFrom, forbidden, type Attributes, type Authorizer } from './authorizer.ts';
import type { Authenticator } from './authenticator.ts';
import { newRequestInfo } from './request-info.ts';
import { AllAuthenticated, AllUnauthenticated, Anonymous } from './user.ts';

export interface HandlerChainOptions {
  authenticator: Authenticator;
  authorizer: Authorizer;
  // Filters that run before anyone is known (one that must see every request, a refused one included), and once the
  // user is known, before impersonation changes it (audit's place upstream).
  beforeAuthentication?: RequestFilter[];
  afterAuthentication?: RequestFilter[];
  // Audit annotations (audit.AddAuditAnnotations): authorization's decision and reason go on the request's events.
  annotate?: (req: IncomingMessage, key: string, value: string) => void;
  log?: (line: string) => void;
}

// #region handler-chain
export function securityFilters(opts: HandlerChainOptions): RequestFilter[] {
  return [
    withRequestInfo(),
    ...opts.beforeAuthentication ?? [],
    withAuthentication(opts.authenticator, opts.log),
    ...opts.afterAuthentication ?? [],
    withImpersonation(opts.authorizer),
    withAuthorization(opts.authorizer, opts.annotate),
  ];
}
// #endregion handler-chain

export function withRequestInfo(): RequestFilter {
  return (req, ctx) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    ctx.info = newRequestInfo(req.method ?? 'GET', safeUnescape(url.pathname), url.searchParams);
  };
}

// #region authentication
// A request that no authenticator accepts gets 401 "Unauthorized" and nothing more: why (a bad token, a certificate
// from another CA) is for the server's log, not for whoever is trying credentials.
export function withAuthentication(authenticator: Authenticator, log: (line: string) => void = () => {}): RequestFilter {
  return async (req, ctx) => {
    let user: UserInfo | undefined;
    try { user = await authenticator.authenticateRequest(req); } catch (err) {
      log(`Unable to authenticate the request: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!user) throw unauthorized();
    ctx.authenticatedUser = user;
    ctx.user = user;
  };
}
// #endregion authentication

// #region authorization
export function withAuthorization(authorizer: Authorizer, annotate?: HandlerChainOptions['annotate']): RequestFilter {
  return async (req, ctx) => {
    const attrs = attributesOf(ctx);
    const { decision, reason } = await authorizer.authorize(attrs);
    annotate?.(req, 'authorization.k8s.io/decision', decision === 'Allow' ? 'allow' : 'forbid');
    annotate?.(req, 'authorization.k8s.io/reason', reason);
    if (decision !== 'Allow') throw forbidden(attrs, reason);
  };
}
// #endregion authorization

export function attributesOf(ctx: RequestContext): Attributes {
  if (!ctx.info || !ctx.user) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: 'InternalError', message: 'Internal error occurred: no user or request info in context' });
  return attributesFrom(ctx.user, ctx.info);
}

// #region impersonation
// Impersonate-User / -Group / -Uid / -Extra-<key> (kubectl --as, --as-group, --as-uid): each thing to become is
// authorized for the real user with the verb "impersonate" before the request goes on as the other user.
export function withImpersonation(authorizer: Authorizer): RequestFilter {
  return async (req, ctx) => {
    const requests = impersonationRequests(req);
    if (requests.length === 0) return;
    const requestor = ctx.user!;
    const groupsSpecified = requests.some((r) => r.kind === 'Group');
    let name = '';
    let uid: string | undefined;
    let groups: string[] = [];
    const extra: Record<string, string[]> = {};
    for (const r of requests) {
      const attrs: Attributes = { user: requestor, verb: 'impersonate', resourceRequest: true, apiGroup: '', name: r.name, namespace: r.namespace ?? '' };
      switch (r.kind) {
        case 'ServiceAccount':
          attrs.resource = 'serviceaccounts';
          name = `system:serviceaccount:${r.namespace}:${r.name}`;
          if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
          break;
        case 'User': attrs.resource = 'users'; name = r.name; break;
        case 'Group': attrs.resource = 'groups'; groups.push(r.name); break;
        case 'UID': attrs.resource = 'uids'; attrs.apiGroup = 'authentication.k8s.io'; uid = r.name; break;
        case 'UserExtra':
          attrs.resource = 'userextras'; attrs.apiGroup = 'authentication.k8s.io'; attrs.subresource = r.key;
          (extra[r.key!] ??= []).push(r.name);
          break;
      }
      const { decision, reason } = await authorizer.authorize(attrs);
      if (decision !== 'Allow') throw forbidden(attrs, reason);
    }
    // Everyone but the anonymous user is in system:authenticated unless the request named system:unauthenticated;
    // the anonymous user is always in system:unauthenticated.
    if (name !== Anonymous) {
      if (!groups.includes(AllAuthenticated) && !groups.includes(AllUnauthenticated)) groups.push(AllAuthenticated);
    } else if (!groups.includes(AllUnauthenticated)) groups.push(AllUnauthenticated);
    const user: UserInfo = { name, groups, ...(uid !== undefined ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
    ctx.impersonatedUser = user;
    ctx.user = user;
    // The headers go, so nothing further along (a kubelet) acts on them.
    for (const h of Object.keys(req.headers)) if (h.startsWith('impersonate-')) delete req.headers[h];
  };
}

interface ImpersonationRequest { kind: 'User' | 'ServiceAccount' | 'Group' | 'UID' | 'UserExtra'; name: string; namespace?: string; key?: string }

// buildImpersonationRequests: what the headers ask to become. Groups, extras or a uid without a user is an error.
export function impersonationRequests(req: IncomingMessage): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = headerValues(req, 'impersonate-user')[0] ?? '';
  if (user) {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa[1]!, name: sa[2]! } : { kind: 'User', name: user });
  }
  for (const g of headerValues(req, 'impersonate-group')) out.push({ kind: 'Group', name: g });
  for (const [header, value] of pairs(req)) {
    if (!header.startsWith('impersonate-extra-')) continue;
    out.push({ kind: 'UserExtra', name: value, key: safeUnescape(header.slice('impersonate-extra-'.length)).toLowerCase() });
  }
  const uid = headerValues(req, 'impersonate-uid')[0];
  if (uid) out.push({ kind: 'UID', name: uid });
  if (!user && out.length) {
    throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: 'InternalError',
      message: `Internal Server Error: ${JSON.stringify(req.url ?? '/')}: requested ${out.map((r) => `${r.kind} ${r.name}`).join(', ')} without impersonating a user` });
  }
  return out;
}
// #endregion impersonation

// Every value of a header, repeated headers included (Node joins most repeated headers with ", ": rawHeaders does not).
function headerValues(req: IncomingMessage, name: string): string[] {
  return pairs(req).filter(([h]) => h === name).map(([, v]) => v);
}

function pairs(req: IncomingMessage): [string, string][] {
  const raw = req.rawHeaders ?? [];
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

function safeUnescape(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
