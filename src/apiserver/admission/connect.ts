// Admission on CONNECT for pods/exec: the attributes ConnectResource builds and where it runs them, before the
// connecter is asked for a location (k8s.io/apiserver/pkg/endpoints/handlers/rest.go ConnectResource:
// NewAttributesRecord(opts, nil, scope.Kind, namespace, name, scope.Resource, scope.Subresource, admission.Connect, ...)).
import type { IncomingMessage } from 'node:http';
import { execOptionsFromQuery, type RequestedExecOptions } from '../exec/options.ts';
import type { APIContext, SubresourceFactory, SubresourceRequest } from '../subresources.ts';
import type { AdmissionChain, Attributes } from './interfaces.ts';

// #region connect-admission
// Mutating plugins, then validating ones, with the options the client sent (container not yet defaulted) as the
// object, and the user the request acts as. Kind is the storage's (ExecREST.New is a Pod). Upstream hands Connect
// the same options object, so a mutating plugin could change them; ExecREST here reads the query again, and no
// plugin of ours mutates.
export async function admitConnect(chain: AdmissionChain, target: SubresourceRequest, options: RequestedExecOptions): Promise<void> {
  if (!chain.handles('CONNECT')) return;
  const a: Attributes = {
    operation: 'CONNECT',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: 'exec',
    namespace: target.namespace ?? '',
    name: target.name,
    object: { kind: 'PodExecOptions', apiVersion: 'v1', ...options },
    userInfo: target.context?.user,
  };
  await chain.admit(a);
  await chain.validate(a);
}

// pods/exec behind admission: `'pods/exec': admitExecOnConnect(execSubresource(backend), (api) => chain)`. It runs
// first, before what it wraps (chapter 9's create check, then ExecREST, which reads the pod): upstream's order.
export function admitExecOnConnect(make: SubresourceFactory, makeChain: (api: APIContext) => AdmissionChain): SubresourceFactory {
  return (api) => {
    const sub = make(api);
    const chain = makeChain(api);
    // Another method is routed to 405 before ConnectResource runs: the wrapped subresource answers it.
    const admit = (req: IncomingMessage, target: SubresourceRequest) =>
      req.method === 'GET' || req.method === 'POST' ? admitConnect(chain, target, execOptionsFromQuery(target.query)) : undefined;
    return {
      kind: sub.kind, verbs: sub.verbs, group: sub.group, version: sub.version,
      serve: async (req, res, target) => { await admit(req, target); return sub.serve(req, res, target); },
      ...(sub.upgrade ? { upgrade: async (req, socket, head, target) => { await admit(req, target); return sub.upgrade!(req, socket, head, target); } } : {}),
      ...(sub.close ? { close: () => sub.close!() } : {}),
    };
  };
}
// #endregion connect-admission
