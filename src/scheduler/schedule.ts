// Choosing a node for a pod: filter (Ready, schedulable) then score (fewest pods), the two phases of
// the scheduling framework reduced to what two nodes need (pkg/scheduler/schedule_one.go, NodeResourcesBalancedAllocation's spirit).
import type { Node, Pod } from '../api/types.ts';

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

// A pod this scheduler should place: not bound, not being deleted, and addressed to us.
export function needsScheduling(pod: Pod, schedulerName = 'default-scheduler'): boolean {
  return !pod.spec.nodeName && !pod.metadata.deletionTimestamp && (pod.spec.schedulerName ?? 'default-scheduler') === schedulerName
    && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

// #region pick-node
// Filter: Ready and not cordoned. Score: the node with the fewest pods wins; ties go to the name that
// sorts first, so the choice is reproducible.
export function pickNode(nodes: Node[], podsOnNode: (nodeName: string) => number): string | undefined {
  const feasible = nodes.filter((n) => isNodeReady(n) && !n.spec?.unschedulable).map((n) => n.metadata.name ?? '');
  feasible.sort((a, b) => podsOnNode(a) - podsOnNode(b) || a.localeCompare(b));
  return feasible[0];
}
// #endregion pick-node
