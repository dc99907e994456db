// The status a kubelet reports for a pod whose containers run: phase, conditions, container statuses
// (pkg/kubelet/kubelet_pods.go generateAPIPodStatus, status/generate.go for the conditions).
import type { Pod, PodCondition, PodStatus } from '../api/types.ts';

export interface RunningPodFacts {
  hostIP: string;
  podIP: string;
  startTime: string;                       // when the kubelet admitted the pod
  containerIDs: Record<string, string>;    // container name → "<runtime>://<id>"
}

export function runningPodStatus(pod: Pod, facts: RunningPodFacts): PodStatus {
  const since = facts.startTime;
  const condition = (type: string): PodCondition => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: since });
  return {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
    hostIP: facts.hostIP,
    podIP: facts.podIP,
    podIPs: [{ ip: facts.podIP }],
    startTime: since,
    qosClass: 'BestEffort',
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      ready: true,
      started: true,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
      containerID: facts.containerIDs[c.name],
      state: { running: { startedAt: since } },
    })),
  };
}
