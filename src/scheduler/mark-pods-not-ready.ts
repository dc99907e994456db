// MarkPodsNotReady: when a node stops being Ready, its pods' Ready condition turns False through
// pods/status, so nothing keeps trusting them (pkg/controller/util/node/controller_utils.go MarkPodsNotReady).
import type { List, Pod, PodCondition } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import type { RESTClient } from '../client/rest-client.ts';

// #region mark-pods-not-ready
// The pod's conditions with Ready set to False, or undefined when there is nothing to change (no Ready
// condition yet, or already False). Only Ready changes: ContainersReady, reason and message stay as the
// kubelet wrote them, and lastTransitionTime moves only because the status did (utilpod.UpdatePodCondition).
export function notReadyConditions(pod: Pod, at: string): PodCondition[] | undefined {
  const conditions = pod.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'False') return undefined;
  return conditions.map((c) => (c === ready ? { ...c, status: 'False', lastTransitionTime: at } : c));
}

// Writes every changed pod of `nodeName`; a pod deleted meanwhile is skipped. Returns the errors, so
// the caller can try the node again on its next pass, as the real controller does with nodesToRetry.
export async function markPodsNotReady(client: RESTClient, nodeName: string, at: string, log?: (line: string) => void): Promise<Error[]> {
  const pods = await client.get<List<Pod>>('/api/v1/pods', { fieldSelector: `spec.nodeName=${nodeName}` });
  const errors: Error[] = [];
  for (const pod of pods.items) {
    if (pod.spec.nodeName !== nodeName) continue;   // defensive, as the real one is
    const conditions = notReadyConditions(pod, at);
    if (!conditions) continue;
    const { namespace, name } = pod.metadata;
    try {
      // The resourceVersion we read goes with the write: if the kubelet wrote in between, 409, and we retry.
      await client.put(`/api/v1/namespaces/${namespace}/pods/${name}/status`,
        { ...pod, apiVersion: 'v1', kind: 'Pod', status: { ...pod.status, conditions } });
      log?.(`Updating ready status of pod ${namespace}/${name} to false`);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) continue;
      errors.push(err as Error);
    }
  }
  return errors;
}
// #endregion mark-pods-not-ready
