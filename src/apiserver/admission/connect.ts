// Admission on CONNECT for pods/exec: the attributes ConnectResource builds (endpoints/handlers/rest.go:
// NewAttributesRecord(opts, nil, scope.Kind, namespace, name, scope.Resource, scope.Subresource, admission.Connect, ...)).
import type { IncomingMessage } from 'node:http';
import type { RequestedExecOptions } from '../exec/options.ts';
import type { SubresourceRequest } from '../subresources.ts';
import type { AdmissionChain, Attributes, UserFrom } from './interfaces.ts';

// #region connect-admission
// The function ExecREST calls before it connects: mutating plugins, then validating ones, with the options the
// client sent (container not yet defaulted) as the object. Kind is the storage's (ExecREST.New is a Pod).
export function connectAdmission(chain: AdmissionChain, opts: { userFrom?: UserFrom } = {}) {
  return async (req: IncomingMessage, target: SubresourceRequest, options: RequestedExecOptions): Promise<void> => {
    if (!chain.handles('CONNECT')) return;
    const a: Attributes = {
      operation: 'CONNECT',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      subresource: 'exec',
      namespace: target.namespace ?? '',
      name: target.name,
      object: { kind: 'PodExecOptions', apiVersion: 'v1', ...options },
      userInfo: opts.userFrom?.(req),
    };
    await chain.admit(a);
    await chain.validate(a);
  };
}
// #endregion connect-admission
