// What the handler chain knows about a request before a handler runs: its attributes and its user
// (k8s.io/apiserver/pkg/endpoints/request: RequestInfo, UserFrom; pkg/authentication/user.Info). Types only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

// user.Info: who made a request. CN and O of a client certificate, a token file's row, or the anonymous user.
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

// request.RequestInfo: the attributes authorization and audit read, resolved from the method and the path alone
// (requestinfo.go). A path outside /api and /apis (or a discovery path) is a non-resource request, verb = method.
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;           // get list watch create update patch delete deletecollection; or get/post/... for non-resource paths
  apiPrefix: string;      // "api" or "apis"
  apiGroup: string;       // "" for the core group
  apiVersion: string;
  namespace: string;      // "" for cluster-scoped requests
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

// One request's context as it goes through the chain. Each filter fills in what it owns.
export interface RequestContext {
  info?: RequestInfo;
  // Who presented credentials (audit's `user`), and who the request acts as: the same, or whom it impersonates.
  authenticatedUser?: UserInfo;
  impersonatedUser?: UserInfo;
  user?: UserInfo;
  // Where the answer goes: a plain response, or the raw socket of an upgrade request (exec). Filters that
  // watch a request to its end (audit) listen here.
  response?: ServerResponse;
  socket?: Duplex;
}

// #region request-filter
// A filter of the handler chain (DefaultBuildHandlerChain: WithRequestInfo, WithAuthentication, WithAudit,
// WithImpersonation, WithAuthorization): it reads the request, fills in the context, or throws a Status
// (401, 403) that the server writes instead of running the handler.
export type RequestFilter = (req: IncomingMessage, ctx: RequestContext) => void | Promise<void>;
// #endregion request-filter
