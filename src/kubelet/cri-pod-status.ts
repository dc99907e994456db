// From what CRI reports (sandboxes, containers and their statuses) to the v1 PodStatus the kubelet writes
// (pkg/kubelet/kuberuntime GetPodStatus, kubelet_pods.go convertToAPIContainerStatuses and getPhase).
import type { ContainerState, ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../api/types.ts';
import type { ContainerStatus as CriContainerStatus, PodSandbox } from '../cri/proto.ts';
import { nanosToDate } from '../cri/proto.ts';

export interface CriPodFacts {
  hostIP: string;
  podIP?: string;
  runtimeName: string;                                       // containerID prefix: "<runtime>://<id>"
  sandbox?: PodSandbox;                                      // the newest sandbox of the pod
  attempts: Record<string, CriContainerStatus[]>;            // container name → its CRI statuses, newest first
  waiting: Record<string, { reason: string; message?: string }>; // why a container is not running (ErrImagePull, CrashLoopBackOff...)
}

const rfc3339 = (n: string | number) => nanosToDate(n)?.toISOString().replace(/\.\d+Z$/, 'Z');

function terminated(s: CriContainerStatus, runtimeName: string): ContainerState {
  return { terminated: {
    exitCode: s.exit_code, reason: s.reason || (s.exit_code === 0 ? 'Completed' : 'Error'), ...(s.message ? { message: s.message } : {}),
    startedAt: rfc3339(s.started_at), finishedAt: rfc3339(s.finished_at), containerID: `${runtimeName}://${s.id}`,
  } };
}

// #region container-statuses
function containerStatus(pod: Pod, name: string, image: string, facts: CriPodFacts): ContainerStatus {
  const [latest, previous] = facts.attempts[name] ?? [];
  const waiting = facts.waiting[name];
  const base = { name, image, imageID: '', restartCount: latest?.metadata?.attempt ?? 0 };
  if (!latest) return { ...base, ready: false, started: false, state: { waiting: waiting ?? { reason: 'ContainerCreating' } } };
  const containerID = `${facts.runtimeName}://${latest.id}`;
  // toKubeContainerStatus: the runtime names the image (containerd: its repo tag) and its ImageRef (containerd:
  // the repo digest, docker.io/library/busybox@sha256:…); the kubelet reports them as they are.
  const imageID = latest.image_ref;
  if (latest.image?.image) base.image = latest.image.image;
  const lastState = previous ? terminated(previous, facts.runtimeName) : {};
  switch (latest.state) {
    case 'CONTAINER_RUNNING':
      return { ...base, imageID, containerID, ready: true, started: true, state: { running: { startedAt: rfc3339(latest.started_at) } }, lastState };
    case 'CONTAINER_EXITED':
      // Waiting to be restarted (CrashLoopBackOff) shows the exit as the last state, as kubectl describe does.
      if (waiting) return { ...base, imageID, containerID, ready: false, started: false, state: { waiting }, lastState: terminated(latest, facts.runtimeName) };
      return { ...base, imageID, containerID, ready: false, started: false, state: terminated(latest, facts.runtimeName), lastState };
    default:
      return { ...base, imageID, containerID, ready: false, started: false, state: { waiting: waiting ?? { reason: 'ContainerCreating' } }, lastState };
  }
}
// #endregion container-statuses

// #region get-phase
// kubelet_pods.go getPhase: waiting containers that never ran keep the pod Pending; a running one makes it
// Running; when all have stopped, the restart policy decides between Running (it will restart), Succeeded and Failed.
export function getPhase(pod: Pod, statuses: ContainerStatus[]): PodPhase {
  let waiting = 0, running = 0, stopped = 0, succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) { stopped++; if (s.state.terminated.exitCode === 0) succeeded++; }
    else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  return policy === 'Never' ? 'Failed' : 'Running';
}
// #endregion get-phase

export function criPodStatus(pod: Pod, facts: CriPodFacts): PodStatus {
  if (!facts.sandbox) {
    return { phase: 'Pending', hostIP: facts.hostIP, qosClass: 'BestEffort',
      containerStatuses: pod.spec.containers.map((c) => containerStatus(pod, c.name, c.image ?? '', { ...facts, attempts: {} })) };
  }
  const containerStatuses = pod.spec.containers.map((c) => containerStatus(pod, c.name, c.image ?? '', facts));
  const phase = getPhase(pod, containerStatuses);
  const since = rfc3339(facts.sandbox.created_at) ?? new Date().toISOString();
  const allReady = containerStatuses.every((s) => s.ready);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const condition = (type: string, ok: boolean, reason?: string): PodCondition =>
    ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: since, ...(reason ? { reason } : {}) });
  const notReady = done ? 'PodCompleted' : 'ContainersNotReady';
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', facts.sandbox.state === 'SANDBOX_READY'),
      condition('Initialized', true),
      condition('Ready', allReady, allReady ? undefined : notReady),
      condition('ContainersReady', allReady, allReady ? undefined : notReady),
      condition('PodScheduled', true),
    ],
    hostIP: facts.hostIP,
    ...(facts.podIP ? { podIP: facts.podIP, podIPs: [{ ip: facts.podIP }] } : {}),
    startTime: since,
    qosClass: 'BestEffort',
    containerStatuses,
  };
}
