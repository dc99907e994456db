// DenyEscalatingExec: no exec or attach into a pod that shares the host's namespaces or runs a privileged
// container (plugin/pkg/admission/exec/admission.go; deprecated in 1.14, removed in 1.21, k8s#72737 and #98669: it
// neither stops such pods being created nor tells users apart; policies on pod creation, or a webhook on CONNECT, do).
import { StatusError } from '../../api/status.ts';
import type { Container, Pod } from '../../api/types.ts';
import { admissionForbidden } from './errors.ts';
import type { AdmissionPlugin, Attributes, Operation } from './interfaces.ts';

export type PodGetter = (namespace: string, name: string) => Promise<Pod>;

// #region deny-escalating-exec
export class DenyEscalatingExec implements AdmissionPlugin {
  readonly name = 'DenyEscalatingExec';

  // The upstream plugin read the pod through a client; ours reads the registry, as the API server's own loopback would.
  constructor(private readonly getPod: PodGetter) {}

  handles(op: Operation): boolean { return op === 'CONNECT'; }

  async validate(a: Attributes): Promise<void> {
    const path = a.subresource ? `${a.resource.resource}/${a.subresource}` : a.resource.resource;
    if (path !== 'pods/exec' && path !== 'pods/attach') return;
    let pod: Pod;
    try {
      pod = await this.getPod(a.namespace, a.name);
    } catch (err) {
      // Upstream wraps whatever the get returned: a missing pod reads `pods "x" is forbidden: pods "x" not found`.
      throw forbiddenFrom(a, err);
    }
    const spec = pod.spec as Pod['spec'] & { hostNetwork?: boolean; hostPID?: boolean; hostIPC?: boolean };
    if (spec.hostNetwork) throw admissionForbidden(a, 'cannot exec into or attach to a container using host network');
    if (spec.hostPID) throw admissionForbidden(a, 'cannot exec into or attach to a container using host pid');
    if (spec.hostIPC) throw admissionForbidden(a, 'cannot exec into or attach to a container using host ipc');
    if (isPrivileged(pod)) throw admissionForbidden(a, 'cannot exec into or attach to a privileged container');
  }
}

// Any init or regular container with securityContext.privileged: true.
export function isPrivileged(pod: Pod): boolean {
  const all: Container[] = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  return all.some((c) => (c as { securityContext?: { privileged?: boolean } }).securityContext?.privileged === true);
}
// #endregion deny-escalating-exec

// admission.NewForbidden does not wrap an error that is already Forbidden.
function forbiddenFrom(a: Attributes, err: unknown): StatusError {
  if (err instanceof StatusError && err.status.reason === 'Forbidden') return err;
  return admissionForbidden(a, err instanceof Error ? err.message : String(err));
}
