// A container's environment from its spec: literal values, $(VAR) references to earlier ones, and the downward
// API's fieldRef (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables, podFieldSelectorRuntimeValue; expansion.go).
import type { Container, Pod } from '../api/types.ts';

export interface PodRuntimeFacts { hostIP: string; podIP: string }

// #region field-ref
// The fields a container may read about its own pod. A pod learns the node it landed on only this way:
// `valueFrom: { fieldRef: { fieldPath: spec.nodeName } }`.
export function podFieldValue(pod: Pod, fieldPath: string, facts: PodRuntimeFacts): string {
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscript) return (subscript[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[subscript[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': case 'status.hostIPs': return facts.hostIP;
    case 'status.podIP': case 'status.podIPs': return facts.podIP;
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}
// #endregion field-ref

// expansion.Expand: $(NAME) is an earlier variable's value (left as written if there is none), $$ is a literal $.
export function expand(value: string, defined: Map<string, string>): string {
  return value.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return defined.has(name!) ? defined.get(name!)! : m;
  });
}

// The container's variables in spec order. A source the workbook has no objects for (ConfigMaps, Secrets,
// resources) is an error, as a missing ConfigMap is for the real kubelet (CreateContainerConfigError).
export function containerEnv(pod: Pod, container: Container, facts: PodRuntimeFacts): [string, string][] {
  const defined = new Map<string, string>();
  for (const e of container.env ?? []) {
    if (e.valueFrom?.fieldRef) defined.set(e.name, podFieldValue(pod, e.valueFrom.fieldRef.fieldPath, facts));
    else if (e.valueFrom) throw new Error(`env ${e.name}: valueFrom.${Object.keys(e.valueFrom)[0]} is not served by the workbook (only fieldRef)`);
    else defined.set(e.name, expand(e.value ?? '', defined));
  }
  return [...defined];
}
