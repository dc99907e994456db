// kubectl describe node in kubectl's layout: lease, conditions, addresses, capacity, system info, the node's pods and
// what they request (kubectl/pkg/describe/describe.go: describeNode, describeNodeResource).
import type { Event, Lease, Node, Pod } from '../../api/types.ts';
import { describeEvents, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline, rfc1123z, since } from './writer.ts';

// The node's Lease, or why it could not be read ("Failed to get lease: ...").
export type LeaseLookup = { lease: Lease } | { error: string };

// resource.Quantity reduced to what pods here ask for: cpu in millicores, the rest in bytes (or plain counts).
export function parseQuantity(q: string | undefined): number {
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q ?? '');
  if (!m) return 0;
  const scale: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * scale[m[2] ?? '']!;
}

// Quantity.String() in canonical form for the sums: "0", "250m", "2", "64Mi".
export function formatQuantity(value: number, resource: string): string {
  if (value === 0) return '0';
  if (resource === 'cpu') return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
  for (const [suffix, size] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (value % size === 0) return `${value / size}${suffix}`;
  }
  return String(value);
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
function podTotals(pod: Pod, kind: 'requests' | 'limits'): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of pod.spec.containers) {
    for (const [name, q] of Object.entries(((c.resources ?? {}) as Resources)[kind] ?? {})) total[name] = (total[name] ?? 0) + parseQuantity(q);
  }
  return total;
}

// "0 (0%)": a quantity and its share of what the node can allocate.
function share(value: number, resource: string, allocatable: Record<string, string>): string {
  const of = parseQuantity(allocatable[resource]);
  return `${formatQuantity(value, resource)} (${of > 0 ? Math.floor((value / of) * 100) : 0}%)`;
}

export function describeNode(node: Node, lease: LeaseLookup, pods: Pod[] | undefined, events: Event[] | undefined, now = Date.now()): string {
  const w = new PrefixWriter();
  const { metadata: m, spec = {}, status = {} } = node;
  w.write(0, `Name:\t${m.name}\n`);
  const roles = Object.keys(m.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice(24)).sort();
  w.write(0, `Roles:\t${roles.join(',') || '<none>'}\n`);
  printLabelsMultiline(w, 'Labels', m.labels);
  printAnnotationsMultiline(w, 'Annotations', m.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}\n`);
  w.write(0, `Taints:\t${spec.taints?.length ? spec.taints.map((t) => { const x = t as { key: string; value?: string; effect: string }; return `${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`; }).join('\n\t') : '<none>'}\n`);
  w.write(0, `Unschedulable:\t${Boolean(spec.unschedulable)}\n`);
  if ('lease' in lease) {
    const l = lease.lease.spec ?? {};
    w.write(0, 'Lease:\n');
    w.write(1, `HolderIdentity:\t${l.holderIdentity ?? '<unset>'}\n`);
    w.write(1, `AcquireTime:\t${l.acquireTime ? rfc1123z(l.acquireTime) : '<unset>'}\n`);
    w.write(1, `RenewTime:\t${l.renewTime ? rfc1123z(l.renewTime) : '<unset>'}\n`);
  } else w.write(0, `Lease:\tFailed to get lease: ${lease.error}\n`);
  if (status.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of status.conditions) {
      w.write(1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
    }
  }
  w.write(0, 'Addresses:\n');
  for (const a of status.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
  for (const [title, list] of [['Capacity', status.capacity], ['Allocatable', status.allocatable]] as const) {
    if (!list || !Object.keys(list).length) continue;
    w.write(0, `${title}:\n`);
    for (const name of Object.keys(list).sort()) w.write(1, `${name}:\t${list[name]}\n`);
  }
  const info = status.nodeInfo ?? {};
  w.write(0, 'System Info:\n');
  for (const [label, key] of [['Machine ID', 'machineID'], ['System UUID', 'systemUUID'], ['Boot ID', 'bootID'], ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'], ['Operating System', 'operatingSystem'], ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'], ['Kubelet Version', 'kubeletVersion'], ['Kube-Proxy Version', 'kubeProxyVersion']]) {
    w.write(1, `${label}:\t${info[key!] ?? ''}\n`);
  }
  if (spec.podCIDR) w.write(0, `PodCIDR:\t${spec.podCIDR}\n`);
  if (pods) {
    const allocatable = status.allocatable ?? {};
    w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
    w.write(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
    w.write(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
    const sums = { requests: {} as Record<string, number>, limits: {} as Record<string, number> };
    for (const p of pods) {
      const req = podTotals(p, 'requests'), lim = podTotals(p, 'limits');
      for (const [k, v] of Object.entries(req)) sums.requests[k] = (sums.requests[k] ?? 0) + v;
      for (const [k, v] of Object.entries(lim)) sums.limits[k] = (sums.limits[k] ?? 0) + v;
      w.write(1, `${p.metadata.namespace}\t${p.metadata.name}\t\t${share(req.cpu ?? 0, 'cpu', allocatable)}\t${share(lim.cpu ?? 0, 'cpu', allocatable)}\t` +
        `${share(req.memory ?? 0, 'memory', allocatable)}\t${share(lim.memory ?? 0, 'memory', allocatable)}\t${since(p.metadata.creationTimestamp, now)}\n`);
    }
    w.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
    w.write(1, 'Resource\tRequests\tLimits\n');
    w.write(1, '--------\t--------\t------\n');
    for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
      w.write(1, `${r}\t${share(sums.requests[r] ?? 0, r, allocatable)}\t${share(sums.limits[r] ?? 0, r, allocatable)}\n`);
    }
  }
  describeEvents(w, events, now);
  return w.toString();
}
