// The API server: routes /version, discovery, resources and subresources, and owns every connection it accepts
// (kube-apiserver's handler chain and the route installer, k8s.io/apiserver/pkg/endpoints/installer.go, reduced).
import { createServer } from 'node:http';
import { createServer as createHTTPSServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { forbidden, methodNotAllowed, notFound, notFoundPath, StatusError } from '../api/status.ts';
import type { Lease, Namespace, Node, Pod } from '../api/types.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import { answerClientError, MAX_HEADER_BYTES } from '../util/raw-response.ts';
import { loggedURL, writeJSON, writeStatus, writeStatusToSocket } from './handlers/http.ts';
import { logsRequest } from './request-log.ts';
import { openAPIV3CoreV1, openAPIV3Root } from './openapi.ts';
import { serveResource } from './handlers/resource.ts';
import { eventStrategy, eventsV1Strategy } from './registry/events.ts';
import { leaseStrategy } from './registry/leases.ts';
import { namespaceStrategy, nodeStrategy } from './registry/nodes.ts';
import { podStrategy } from './registry/pods.ts';
import { Store } from './registry/store.ts';
import { isDNSLabel } from './registry/validation.ts';
import { groupVersion, type KObject, type RESTStrategy } from './registry/strategy.ts';
import { MemoryStorage } from './storage/memory.ts';
import { listenBacklog } from '../util/listen-backlog.ts';
import { malformedPathEscape, unescapePathSegment, writeGoBadRequest, writeGoBadRequestAndClose } from '../util/request-uri.ts';
import type { Storage } from './storage/interface.ts';
import type { APIContext, Subresource, SubresourceFactory } from './subresources.ts';
import type { RequestContext, RequestFilter } from './request-context.ts';
import type { ResourceInfo } from './discovery.ts';

export interface APIServerOptions {
  name: string;
  stateDir: string;
  subresources?: Record<string, SubresourceFactory>;
  storage?: Storage;
  log?: (line: string) => void;
  // Chapter 9 and on: what a checkpoint adds to the API itself (RBAC's resources, the access reviews, the
  // handler chain's authentication and authorization). Absent: the server of chapters 1-8, open to anyone.
  extensions?: APIServerExtension[];
  // Chapter 9: serve HTTPS (--tls-cert-file, --tls-private-key-file). A client certificate is asked for (listing
  // clientCA's names, as --client-ca-file does) but not required: the authenticators decide what it proves.
  tls?: { cert: string | Buffer; key: string | Buffer; clientCA?: string | Buffer };
  // Chapter 9: how the kubelet exec backend dials kubelets over TLS (APIContext.kubeletClientTLS).
  kubeletClientTLS?: APIContext['kubeletClientTLS'];
}

// #region extension
// A resource served by a handler of its own instead of a Store: the access reviews, created and never stored
// (upstream: a rest.Creater such as pkg/registry/authorization/subjectaccessreview's REST).
export interface ResourceHandler {
  info: ResourceInfo;
  serve(req: IncomingMessage, res: ServerResponse, target: { namespace?: string; name?: string; query: URLSearchParams; context: RequestContext }): Promise<void>;
}

// What an extension plugs in: stored resources (their Stores are made with the core ones), then, once every
// Store exists, the handler chain's filters (run in order before any handler), handled resources, and hooks
// run after the server listens (upstream's post-start hooks: rbac/bootstrap-roles writes the default roles).
export interface APIServerExtension {
  strategies?: RESTStrategy<KObject>[];
  install?(api: APIServer): { filters?: RequestFilter[]; resources?: ResourceHandler[]; postStartHooks?: (() => Promise<void>)[] };
}
// #endregion extension

// Namespaces every cluster starts with; the first three may never be deleted.
const initialNamespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const undeletable = new Set(['default', 'kube-public', 'kube-system']);

// The parsed path of an API request: /api/v1 (the core group) or /apis/{group}/{version}, then
// [/namespaces/{ns}]/{resource}[/{name}[/{subresource}]].
export interface APIPath { groupVersion: string; namespace?: string; resource: string; name?: string; subresource?: string }

// #region parse-path
export function parseAPIPath(pathname: string): APIPath | undefined {
  const parts = pathname.split('/').filter(Boolean).map(unescapePathSegment);
  let groupVersion: string, rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') { groupVersion = 'v1'; rest = parts.slice(2); }
  else if (parts[0] === 'apis' && parts.length >= 3) { groupVersion = `${parts[1]}/${parts[2]}`; rest = parts.slice(3); }
  else return undefined;
  if (rest.length === 0) return undefined;
  // .../namespaces/{ns}/{resource}/... names a namespaced resource; /api/v1/namespaces/{ns} is a Namespace.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    if (rest.length > 5) return undefined;
    return { groupVersion, namespace: rest[1], resource: rest[2], name: rest[3], subresource: rest[4] };
  }
  if (rest.length > 3) return undefined;
  return { groupVersion, resource: rest[0]!, name: rest[1], subresource: rest[2] };
}
// #endregion parse-path

export class APIServer {
  readonly storage: Storage;
  readonly pods: Store<Pod>;
  readonly nodes: Store<Node>;
  readonly namespaces: Store<Namespace>;
  readonly leases: Store<Lease>;
  private readonly stores = new Map<string, Store<KObject>>();
  private readonly handlers = new Map<string, ResourceHandler>();
  private readonly filters: RequestFilter[] = [];
  private readonly postStartHooks: (() => Promise<void>)[] = [];
  private readonly subresources = new Map<string, Subresource>();
  private readonly http: Server;
  private readonly upgraded = new Set<Duplex>();
  private readonly log: (line: string) => void;
  url = '';

  constructor(readonly opts: APIServerOptions) {
    this.log = opts.log ?? ((line) => console.log(line));
    this.storage = opts.storage ?? new MemoryStorage();
    this.pods = new Store(this.storage, podStrategy);
    this.nodes = new Store(this.storage, nodeStrategy);
    this.namespaces = new Store(this.storage, namespaceStrategy);
    this.leases = new Store(this.storage, leaseStrategy);
    // Events are listed (kubectl describe asks for them), Leases carry the kubelets' heartbeats (chapter 3).
    const events = [eventStrategy, eventsV1Strategy].map((e) => new Store(this.storage, e));
    const extra = (opts.extensions ?? []).flatMap((e) => e.strategies ?? []).map((s) => new Store(this.storage, s));
    for (const s of [this.pods, this.nodes, this.namespaces, this.leases, ...events, ...extra] as Store<KObject>[]) {
      this.stores.set(`${groupVersion(s.strategy)} ${s.resource}`, s);
    }
    this.installNamespaceLifecycle();
    for (const ext of opts.extensions ?? []) {
      const installed = ext.install?.(this) ?? {};
      this.filters.push(...installed.filters ?? []);
      for (const h of installed.resources ?? []) this.handlers.set(`${groupVersion(h.info)} ${h.info.resource}`, h);
      this.postStartHooks.push(...installed.postStartHooks ?? []);
    }
    const ctx: APIContext = {
      name: opts.name, stateDir: opts.stateDir, storage: this.storage, log: this.log,
      pods: this.pods, nodes: this.nodes, namespaces: this.namespaces,
      ...(opts.kubeletClientTLS ? { kubeletClientTLS: opts.kubeletClientTLS } : {}),
    };
    // Composition: each checkpoint's wiring decides which subresources exist and what serves them.
    for (const [path, make] of Object.entries(opts.subresources ?? {})) this.subresources.set(path, make(ctx));
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.http = opts.tls
      ? createHTTPSServer({ maxHeaderSize: MAX_HEADER_BYTES, cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.clientCA, requestCert: true, rejectUnauthorized: false }, handler)
      : createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler);
    this.http.on('clientError', answerClientError);
    this.http.on('upgrade', (req, socket, head) => void this.handleUpgrade(req, socket, head));
  }

  // NamespaceLifecycle admission: no objects in a namespace that does not exist; a deleted namespace takes its pods along.
  private installNamespaceLifecycle(): void {
    const namespaceExists = async (obj: KObject) => {
      const ns = obj.metadata.namespace!;
      await this.namespaces.get(undefined, ns).catch((err) => {
        throw err instanceof StatusError && err.code === 404 ? notFound('namespaces', ns) : err;
      });
    };
    // Every namespaced store that takes writes: pods and leases, and an extension's (Roles, RoleBindings).
    const writable = [...this.stores.values()].filter((s) => s.strategy.namespaced && s.strategy.verbs === undefined);
    for (const store of writable) store.admit.push(namespaceExists);
    this.namespaces.beforeDelete.push(async (ns) => {
      const name = ns.metadata.name!;
      if (undeletable.has(name)) throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
    });
    // A deleted namespace takes its objects along (the namespace controller's job): pods and leases here.
    this.namespaces.afterDelete.push(async (ns) => {
      for (const store of writable) {
        const { items } = await store.list(ns.metadata.name);
        for (const obj of items) await store.delete(obj.metadata.namespace, obj.metadata.name!).catch(() => {});
      }
    });
  }

  // The Store serving a resource ("rbac.authorization.k8s.io/v1", "roles"), for extensions and tests.
  store<T extends KObject>(groupVersion: string, resource: string): Store<T> {
    const s = this.stores.get(`${groupVersion} ${resource}`);
    if (!s) throw new Error(`no store for ${resource} in ${groupVersion}`);
    return s as unknown as Store<T>;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    for (const name of initialNamespaces) {
      await this.namespaces.create(undefined, { metadata: { name } }).catch(() => {});
    }
    for (const hook of this.postStartHooks) await hook();
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ port, host, backlog: listenBacklog() }, () => { this.http.off('error', reject); resolve(); });
    });
    const addr = this.http.address() as AddressInfo;
    this.url = `${this.opts.tls ? 'https' : 'http'}://${addr.address}:${addr.port}`;
    return this.url;
  }

  // Stops accepting, ends every watch and upgraded stream, and resolves when the listener is closed.
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.storage.close();
    for (const s of this.upgraded) s.destroy();
    this.http.closeAllConnections();
    for (const sub of this.subresources.values()) await sub.close?.();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    res.once('finish', () => {
      const r = { method: req.method ?? '', url: req.url ?? '/', status: res.statusCode, userAgent: req.headers['user-agent'] };
      if (logsRequest(r)) this.log(`${req.method} ${loggedURL(req.url)} ${res.statusCode} ${Date.now() - started}ms`);
    });
    // Go's HTTP server refuses a path it cannot unescape before any handler runs (no Status: its bare 400).
    if (malformedPathEscape(req.url ?? '/')) return writeGoBadRequest(res);
    try {
      const ctx: RequestContext = { response: res };
      for (const filter of this.filters) await filter(req, ctx);
      await this.route(req, res, ctx);
    } catch (err) {
      writeStatus(res, err);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    switch (path) {
      case '/healthz': case '/readyz': case '/livez':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('ok');
      case '/version': return writeJSON(res, 200, versionInfo());
      case '/api': return writeJSON(res, 200, apiVersions(new URL(this.url).host));
      case '/apis': return writeJSON(res, 200, apiGroupList(this.resourceInfos()));
      case '/api/v1': return writeJSON(res, 200, apiResourceList(this.resourceInfos(), this.subresources));
      case '/openapi/v3': return writeJSON(res, 200, openAPIV3Root());
      case '/openapi/v3/api/v1': return writeJSON(res, 200, openAPIV3CoreV1(this.strategies().filter((s) => !s.group)));
    }
    const discovery = this.groupDiscovery(path);
    if (discovery) return writeJSON(res, 200, discovery);
    const { store, handler, ...p } = this.resolve(path);
    if (p.subresource !== undefined) {
      const sub = p.groupVersion === 'v1' ? this.subresources.get(`${p.resource}/${p.subresource}`) : undefined;
      if (!sub) throw notFoundPath();
      return sub.serve(req, res, { namespace: p.namespace, name: p.name!, query: url.searchParams, context });
    }
    if (handler) return handler.serve(req, res, { namespace: p.namespace, name: p.name, query: url.searchParams, context });
    if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '')) throw methodNotAllowed();
    return serveResource(req, res, store!, { namespace: p.namespace, name: p.name, query: url.searchParams, context });
  }

  private strategies(): RESTStrategy<KObject>[] { return [...this.stores.values()].map((s) => s.strategy); }
  private resourceInfos(): ResourceInfo[] { return [...this.strategies(), ...[...this.handlers.values()].map((h) => h.info)]; }

  // /apis/{group} (an APIGroup) and /apis/{group}/{version} (its APIResourceList), for the groups we serve.
  private groupDiscovery(path: string): object | undefined {
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const s = m && this.resourceInfos().find((s) => s.group === m[1] && (m[2] === undefined || s.version === m[2]));
    if (!m || !s) return undefined;
    return m[2] === undefined ? apiGroup(s.group!, s.version ?? 'v1') : apiResourceList(this.resourceInfos(), this.subresources, groupVersion(s));
  }

  // The resource a path names, or the Status for a path that names none. Plain and upgrade requests share it,
  // so /api/v1/pods/web/exec (a namespaced resource without its namespace) is 404 both ways.
  private resolve(path: string): APIPath & { store?: Store<KObject>; handler?: ResourceHandler } {
    const p = parseAPIPath(path);
    const store = p && this.stores.get(`${p.groupVersion} ${p.resource}`);
    const handler = p && !store ? this.handlers.get(`${p.groupVersion} ${p.resource}`) : undefined;
    const namespaced = store?.strategy.namespaced ?? handler?.info.namespaced;
    // A cluster-scoped resource has no namespaced path, and vice versa for item paths.
    if (!p || namespaced === undefined || (p.namespace !== undefined && !namespaced) ||
        (p.namespace === undefined && p.name !== undefined && namespaced)) throw notFoundPath();
    // A namespace that cannot exist (not a DNS label) is answered as missing, and never reaches a storage key.
    if (p.namespace !== undefined && !isDNSLabel(p.namespace)) throw notFound('namespaces', p.namespace);
    return { ...p, store, handler };
  }

  // Node hands requests carrying `Upgrade:` over as a raw socket; only subresources that stream accept them.
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    this.log(`${req.method} ${loggedURL(req.url)} upgrade: ${req.headers.upgrade}`);
    if (malformedPathEscape(req.url ?? '/')) return void writeGoBadRequestAndClose(socket);
    try {
      const context: RequestContext = { socket };
      for (const filter of this.filters) await filter(req, context);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const p = this.resolve(url.pathname);
      const sub = p.subresource && p.name && p.groupVersion === 'v1' ? this.subresources.get(`${p.resource}/${p.subresource}`) : undefined;
      if (!sub) throw notFoundPath();
      if (!sub.upgrade) throw methodNotAllowed(`${p.resource}/${p.subresource} does not support upgrade requests`);
      await sub.upgrade(req, socket, head, { namespace: p.namespace, name: p.name!, query: url.searchParams, context });
    } catch (err) {
      writeStatusToSocket(socket, err);
    }
  }
}
