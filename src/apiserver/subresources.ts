// The subresource seam: what a checkpoint plugs in under /api/v1/.../{resource}/{name}/{subresource}
// (the storage map in pkg/registry/core/rest/storage_core.go: "pods/exec", "pods/status", "pods/binding"...).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Namespace, Node, Pod } from '../api/types.ts';
import { badRequest } from '../api/status.ts';
import type { Storage } from './storage/interface.ts';
import type { RequestContext } from './request-context.ts';
import type { Store } from './registry/store.ts';
import { writeStatus, writeStatusToSocket } from './handlers/http.ts';

// `context`: what the handler chain learnt (chapter 9: the user), absent where no chain ran (tests calling a subresource).
export interface SubresourceRequest { namespace?: string; name: string; query: URLSearchParams; context?: RequestContext }

// #region subresource
export interface Subresource {
  // For discovery: what /api/v1 lists for "pods/exec" and friends. `group` and `version` only for a kind
  // from another API group (pods/eviction takes a policy/v1 Eviction).
  kind: string;
  verbs: string[];
  group?: string;
  version?: string;
  // A plain HTTP request (GET/PUT/PATCH/POST without Upgrade).
  serve(req: IncomingMessage, res: ServerResponse, target: SubresourceRequest): Promise<void>;
  // A request carrying `Upgrade:` (exec, attach, port-forward). Owns the socket from here on.
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, target: SubresourceRequest): Promise<void>;
  close?(): Promise<void>;
}

// What a subresource can reach: the registries, and the process's identity and state folder.
export interface APIContext {
  name: string;
  stateDir: string;
  storage: Storage;
  pods: Store<Pod>;
  nodes: Store<Node>;
  namespaces: Store<Namespace>;
  log: (line: string) => void;
  // Chapter 9: the client certificate and CA for dialing kubelets over TLS (--kubelet-client-certificate,
  // --kubelet-client-key, --kubelet-certificate-authority), PEM. Absent: kubelets are dialed over plain HTTP.
  kubeletClientTLS?: { ca?: string; cert?: string; key?: string; insecure?: boolean };
}

// A checkpoint's wiring names each subresource and how to build it from the context.
export type SubresourceFactory = (api: APIContext) => Subresource;
// #endregion subresource

// A subresource the real server has and this chapter does not serve yet: a clear Status, never a bare 404.
export function notServedYet(path: string, kind: string, verbs: string[], when: string, groupVersion?: { group: string; version: string }): SubresourceFactory {
  const status = () => badRequest(`${path} is not served yet: ${when}`);
  return () => ({
    kind,
    verbs,
    ...groupVersion,
    serve: async (_req, res) => writeStatus(res, status()),
    upgrade: async (_req, socket) => writeStatusToSocket(socket, status()),
  });
}

// Every subresource the real /api/v1 (1.32) lists for pods and nodes, with its kind and verbs, each answering
// where in the book it arrives, or that the book does not build it. A checkpoint spreads this map and then
// overrides the entries it really serves.
export function plannedSubresources(): Record<string, SubresourceFactory> {
  const siblings = 'it arrives in chapter 10 (siblings)';
  const nodes = 'it arrives in chapter 3 (nodes)';
  const never = (what: string) => `this workbook does not ${what}`;
  const connectVerbs = ['create', 'delete', 'get', 'patch', 'update'];
  return {
    'pods/attach': notServedYet('pods/attach', 'PodAttachOptions', ['create', 'get'], siblings),
    'pods/binding': notServedYet('pods/binding', 'Binding', ['create'], nodes),
    'pods/ephemeralcontainers': notServedYet('pods/ephemeralcontainers', 'Pod', ['get', 'patch', 'update'], never('add ephemeral containers')),
    'pods/eviction': notServedYet('pods/eviction', 'Eviction', ['create'], never('evict pods'), { group: 'policy', version: 'v1' }),
    'pods/exec': notServedYet('pods/exec', 'PodExecOptions', ['create', 'get'], 'it arrives in chapter 2 (exec-subresource)'),
    'pods/log': notServedYet('pods/log', 'Pod', ['get'], siblings),
    'pods/portforward': notServedYet('pods/portforward', 'PodPortForwardOptions', ['create', 'get'], siblings),
    'pods/proxy': notServedYet('pods/proxy', 'PodProxyOptions', connectVerbs, never('proxy to pods')),
    'pods/resize': notServedYet('pods/resize', 'Pod', ['get', 'patch', 'update'], never('resize pods')),
    'pods/status': notServedYet('pods/status', 'Pod', ['get', 'patch', 'update'], nodes),
    'nodes/proxy': notServedYet('nodes/proxy', 'NodeProxyOptions', connectVerbs, never('proxy to nodes')),
    'nodes/status': notServedYet('nodes/status', 'Node', ['get', 'patch', 'update'], nodes),
  };
}
