// The pod columns of `kubectl get po` and its STATUS logic (pkg/printers/internalversion/printers.go, printPod).
import type { Pod } from '../../api/types.ts';
import type { TableColumnDefinition, TableRow } from '../../api/table.ts';
import type { TableConvertor } from '../registry/strategy.ts';
import { age } from './duration.ts';

const col = (name: string, description: string, priority = 0, format = ''): TableColumnDefinition =>
  ({ name, type: 'string', format, description, priority });

export const podColumns: TableColumnDefinition[] = [
  col('Name', 'Name must be unique within a namespace.', 0, 'name'),
  col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'The aggregate status of the containers in this pod.'),
  col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  col('IP', 'podIP address allocated to the pod. Routable at least within the cluster.', 1),
  col('Node', 'NodeName indicates in which node this pod is scheduled.', 1),
  col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
  col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
];

// #region print-pod
export function podStatusReason(pod: Pod): { reason: string; ready: number; restarts: number } {
  let reason: string = pod.status?.reason || pod.status?.phase || '';
  let ready = 0;
  let restarts = 0;
  let hasRunning = false;
  const statuses = pod.status?.containerStatuses ?? [];
  // Walk backwards like the real printer, so the first container's state wins.
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i];
    restarts += c.restartCount ?? 0;
    const { waiting, terminated, running } = c.state ?? {};
    if (waiting?.reason) reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated) reason = `ExitCode:${terminated.exitCode}`;
    else if (c.ready && running) { hasRunning = true; ready++; }
  }
  if (reason === 'Completed' && hasRunning) {
    reason = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && pod.status?.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';
  return { reason, ready, restarts };
}
// #endregion print-pod

export const podTable: TableConvertor<Pod> = {
  columns: podColumns,
  row(pod: Pod, now: Date): TableRow {
    const { reason, ready, restarts } = podStatusReason(pod);
    const gates = (pod.spec.readinessGates as { conditionType: string }[] | undefined) ?? [];
    const readinessGates = gates.length === 0 ? '<none>'
      : `${gates.filter((g) => pod.status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`;
    const row: TableRow = {
      cells: [
        pod.metadata.name ?? '',
        `${ready}/${pod.spec.containers.length}`,
        reason,
        String(restarts),
        age(pod.metadata.creationTimestamp, now),
        pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>',
        pod.spec.nodeName || '<none>',
        (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName || '<none>',
        readinessGates,
      ],
    };
    if (pod.status?.phase === 'Succeeded') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    if (pod.status?.phase === 'Failed') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return row;
  },
};
