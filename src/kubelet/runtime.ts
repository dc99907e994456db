// The kubelet's view of a container runtime: the seam chapters 3-6 swap
// (pkg/kubelet/container.Runtime and its streaming half, kubeGenericRuntimeManager.GetExec).
import type { Pod, PodStatus } from '../api/types.ts';
import type { Executor, ExecTarget } from '../exec/executor.ts';

export interface ExecStreamOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

// Where an exec goes once the kubelet has found the container: either the kubelet serves the
// stream itself with an executor (chapters 3-4), or the runtime hands back a URL on its
// streaming server that the kubelet proxies to (chapter 5 on, as Kubernetes does).
export type ExecDestination =
  | { kind: 'executor'; executor: Executor; target: ExecTarget }
  // redirect: the historical --redirect-container-streaming mode (chapter 5): answer 302 to the URL instead of proxying.
  | { kind: 'url'; url: string; redirect?: boolean };

// What CRI's Status answers (runtime.v1 RuntimeStatus): RuntimeReady and NetworkReady must both be true.
export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }
export interface RuntimeStatus { conditions: RuntimeCondition[] }

// A check of the kubelet's own machinery that can make the node NotReady (runtimeState.addHealthCheck):
// undefined when healthy, else why not.
export interface HealthCheck { name: string; check(): string | undefined }

export interface KubeletRuntime {
  // nodeInfo.containerRuntimeVersion as the runtime reports it ("<runtime_name>://<runtime_version>" over CRI);
  // absent: the wiring's.
  readonly runtimeVersion?: string;
  // Make the pod's containers run as its spec says. Idempotent: called on every sync.
  syncPod(pod: Pod): Promise<void>;
  // The status the kubelet reports through pods/status (phase, conditions, containerStatuses, IPs, startTime).
  podStatus(pod: Pod): Promise<PodStatus>;
  // Stop and remove everything the runtime holds for the pod: each container gets SIGTERM, then SIGKILL after
  // the grace period (the override if given, else the pod's own); exec sessions in a stopped container end.
  killPod(pod: Pod, gracePeriodOverride?: number): Promise<void>;
  // Find the container (it must be running) and say where its exec goes.
  // Throws an Error (container not found, runtime errors: the kubelet answers 500) or a StatusError with code
  // 404 (CRI NotFound) or 429 (a full request cache), as streaming.WriteError maps gRPC codes.
  getExec(pod: Pod, container: string, cmd: string[], opts: ExecStreamOptions): Promise<ExecDestination>;
  // Optional (chapter 4, the PLEG): the runtime tells the kubelet which pod's containers changed state,
  // so the kubelet syncs that pod again (an exited container is reported, and restarted per its policy).
  // Resolves after the first relist, so the node's first status knows whether it worked.
  watchPodLifecycle?(onChange: (podUID: string) => void): void | Promise<void>;
  // Optional (chapter 4): the runtime's own health, CRI Status. Throws when the runtime cannot be reached.
  // A runtime without it (chapter 3's host runtime) is always up.
  status?(): Promise<RuntimeStatus>;
  // Optional (chapter 4): health checks of the kubelet's runtime machinery (the PLEG's).
  healthChecks?(): HealthCheck[];
  // Optional (chapter 4): the runtime operation metrics, in Prometheus text, for the kubelet's /metrics.
  metrics?(): string;
  close?(): Promise<void>;
}
