// Admission on CONNECT for pods/exec: the attributes ConnectResource builds (endpoints/handlers/rest.go:
// NewAttributesRecord(opts, nil, scope.Kind, namespace, name, scope.Resource, scope.Subresource, admission.Connect, ...)).
import type { RequestedExecOptions } from '../exec/options.ts';
import type { SubresourceRequest } from '../subresources.ts';
import type { AdmissionChain, Attributes } from './interfaces.ts';

// #region connect-admission
// The function ExecREST calls before it connects: mutating plugins, then validating ones, with the options the
// client sent (container not yet defaulted) as the object. Kind is the storage's (ExecREST.New is a Pod).
export function connectAdmission(chain: AdmissionChain) {
  return async (target: SubresourceRequest, options: RequestedExecOptions): Promise<void> => {
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
  };
}
// #endregion connect-admission
