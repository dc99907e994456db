// The kubelet's runtime over CRI: pods become sandboxes and containers through gRPC, status comes back from
// ContainerStatus (pkg/kubelet/kuberuntime kubeGenericRuntimeManager: SyncPod, GetPodStatus, KillPod, GetExec).
import type { Container as PodContainer, Pod, PodStatus } from '../api/types.ts';
import type { ImageManagerService, RuntimeService } from '../cri/instrumented.ts';
import type { ContainerConfig, ContainerStatus as CriContainerStatus, PodSandbox, PodSandboxConfig } from '../cri/proto.ts';
import { nanosToDate } from '../cri/proto.ts';
import type { RuntimeMetrics } from '../cri/metrics.ts';
import { criErrorToStatus } from './cri-errors.ts';
import type { CriExecStrategy } from './cri-exec.ts';
import { containerEnv } from './env.ts';
import { criPodStatus } from './cri-pod-status.ts';
import { formatDuration } from './duration.ts';
import { determineEffectiveSecurityContext, imageUser, type ImageUser } from './security-context.ts';
import type { ExecDestination, ExecStreamOptions, HealthCheck, KubeletRuntime, RuntimeStatus } from './runtime.ts';

// The labels the kubelet puts on every sandbox and container, and finds them by (pkg/kubelet/types/labels.go).
export const POD_NAME = 'io.kubernetes.pod.name';
export const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const POD_UID = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME = 'io.kubernetes.container.name';

// CrashLoopBackOff: 10 s, doubling, capped at 5 minutes (the kubelet's backOffPeriod and MaxContainerBackOff).
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;

// How long to wait before restarting a container whose attempt `attempt` ran `ranMs` and exited. As the kubelet's
// flowcontrol.Backoff does it (doBackOff): the first exit has no back-off entry yet, so the first restart is
// immediate; each later one waits 10 s, 20 s, 40 s... up to 5 minutes; a container that ran longer than twice the
// cap before it exited starts over (hasExpired), with an immediate restart.
export function restartBackoff(attempt: number, ranMs: number): number {
  if (attempt === 0 || ranMs > 2 * BACKOFF_MAX_MS) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** (attempt - 1), BACKOFF_MAX_MS);
}
// resource.Quantity's value for memory: "64Mi", "1G", "1048576" (a malformed one was refused at admission; 0 here).
function memoryBytes(q: string | undefined): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q ?? '');
  if (!m) return 0;
  const scale: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Math.ceil(Number(m[1]) * scale[m[2] ?? '']!);
}

// kuberuntime_container.go minimumGracePeriodInSeconds.
const MINIMUM_GRACE_PERIOD_SECONDS = 2;

export interface CriRuntimeOptions {
  nodeName: string;
  hostIP: string;
  runtime: RuntimeService;          // already instrumented
  images: ImageManagerService;
  exec: CriExecStrategy;            // chapter 4: direct; chapter 5: streaming
  metrics?: RuntimeMetrics;         // what the instrumented services record, served at /metrics
  log?: (line: string) => void;
  now?: () => number;
  plegRelistThresholdMs?: number;   // a PLEG that has not relisted for this long is unhealthy (3 minutes in Kubernetes)
}

export class CriRuntime implements KubeletRuntime {
  runtimeVersion?: string;   // set by the wiring from the runtime's Version
  private readonly hop: string;
  private readonly waiting = new Map<string, Record<string, { reason: string; message?: string }>>(); // pod uid → container → why
  private runtimeName?: string;
  private relist?: NodeJS.Timeout;
  private readonly seen = new Map<string, { state: string; uid: string }>();   // container id → last state seen
  private relistTime = 0;                                                       // when the PLEG last relisted

  constructor(private readonly opts: CriRuntimeOptions) {
    this.hop = `kubelet ${opts.nodeName}`;
  }

  private log(line: string): void { this.opts.log?.(line); }
  private now(): number { return (this.opts.now ?? Date.now)(); }

  private sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
    const { name = '', namespace = 'default', uid = '' } = pod.metadata;
    return {
      metadata: { name, namespace, uid, attempt },
      hostname: name,
      labels: { ...pod.metadata.labels, [POD_NAME]: name, [POD_NAMESPACE]: namespace, [POD_UID]: uid },
      annotations: { ...pod.metadata.annotations },
    };
  }

  private containerConfig(pod: Pod, c: PodContainer, attempt: number, envs: [string, string][], user: ImageUser): ContainerConfig {
    const { name = '', namespace = 'default', uid = '' } = pod.metadata;
    return {
      metadata: { name: c.name, attempt },
      image: { image: c.image ?? '' },
      command: c.command ?? [],
      args: c.args ?? [],
      working_dir: c.workingDir ?? '',
      envs: envs.map(([key, value]) => ({ key, value })),
      labels: { [POD_NAME]: name, [POD_NAMESPACE]: namespace, [POD_UID]: uid, [CONTAINER_NAME]: c.name },
      annotations: { 'io.kubernetes.container.restartCount': String(attempt) },
      stdin: c.stdin ?? false,
      tty: c.tty ?? false,
      // generateLinuxContainerResources: the memory limit in bytes (0: none). A runtime applies it where it can.
      linux: {
        resources: { memory_limit_in_bytes: memoryBytes((c.resources as { limits?: Record<string, string> } | undefined)?.limits?.memory) },
        security_context: determineEffectiveSecurityContext(pod, c, user),
      },
    };
  }

  private async sandboxes(pod: Pod): Promise<PodSandbox[]> {
    const all = await this.opts.runtime.listPodSandbox({ label_selector: { [POD_UID]: pod.metadata.uid ?? '' } });
    return all.sort((a, b) => (BigInt(b.created_at) > BigInt(a.created_at) ? 1 : -1));
  }

  // Every container status of the pod, grouped by container name, newest attempt first.
  private async attempts(sandboxId: string): Promise<Record<string, CriContainerStatus[]>> {
    const containers = await this.opts.runtime.listContainers({ pod_sandbox_id: sandboxId });
    const statuses = await Promise.all(containers.map(async (c) => (await this.opts.runtime.containerStatus(c.id)).status));
    const byName: Record<string, CriContainerStatus[]> = {};
    for (const s of statuses) if (s?.metadata) (byName[s.metadata.name] ??= []).push(s);
    for (const list of Object.values(byName)) list.sort((a, b) => (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0));
    return byName;
  }

  // #region sync-pod
  // SyncPod: a ready sandbox, then each container created and started; an exited one is restarted
  // (as a new attempt) when the restart policy says so: at once the first time, then after a doubling back-off.
  async syncPod(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    const waiting: Record<string, { reason: string; message?: string }> = {};
    this.waiting.set(uid, waiting);
    const all = await this.sandboxes(pod);
    let sandbox = all.find((s) => s.state === 'SANDBOX_READY');
    const config = this.sandboxConfig(pod, sandbox?.metadata?.attempt ?? all.length);
    if (!sandbox) {
      const id = await this.opts.runtime.runPodSandbox(config);
      this.log(`RunPodSandbox ${pod.metadata.namespace}/${pod.metadata.name}: ${id.slice(0, 13)}`);
      sandbox = { id } as PodSandbox;
    }
    const attempts = await this.attempts(sandbox.id);
    for (const c of pod.spec.containers) {
      const [latest] = attempts[c.name] ?? [];
      if (latest && latest.state !== 'CONTAINER_EXITED') continue;
      let attempt = 0;
      if (latest) {
        if (!this.shouldRestart(pod, latest)) continue;
        const finished = nanosToDate(latest.finished_at)?.getTime() ?? 0;
        const backoff = restartBackoff(latest.metadata?.attempt ?? 0, finished - (nanosToDate(latest.started_at)?.getTime() ?? finished));
        if (backoff > 0 && this.now() < finished + backoff) {
          waiting[c.name] = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})` };
          continue;
        }
        attempt = (latest.metadata?.attempt ?? 0) + 1;
      }
      await this.startContainer(pod, c, attempt, sandbox.id, config, waiting);
    }
  }
  // #endregion sync-pod

  private shouldRestart(pod: Pod, s: CriContainerStatus): boolean {
    const policy = pod.spec.restartPolicy ?? 'Always';
    return policy === 'Always' || (policy === 'OnFailure' && s.exit_code !== 0);
  }

  private async startContainer(pod: Pod, c: PodContainer, attempt: number, sandboxId: string, sandboxConfig: PodSandboxConfig,
    waiting: Record<string, { reason: string; message?: string }>): Promise<void> {
    const image = c.image ?? '';
    let user: ImageUser;
    try {
      // EnsureImageExists, then getImageUser: the image's user is who runs the container when the pod names none.
      let status = await this.opts.images.imageStatus(image);
      if (!status) {
        await this.opts.images.pullImage(image, sandboxConfig);
        status = await this.opts.images.imageStatus(image);
      }
      user = imageUser(status);
    } catch (err) {
      waiting[c.name] = { reason: 'ErrImagePull', message: (err as Error).message };
      return;
    }
    // generateContainerConfig → makeEnvironmentVariables: the downward API needs the pod's IP, from its sandbox.
    let envs: [string, string][];
    try {
      const podIP = (await this.opts.runtime.podSandboxStatus(sandboxId)).network?.ip ?? '';
      envs = containerEnv(pod, c, { hostIP: this.opts.hostIP, podIP });
    } catch (err) {
      waiting[c.name] = { reason: 'CreateContainerConfigError', message: (err as Error).message };
      return;
    }
    let id: string;
    try {
      id = await this.opts.runtime.createContainer(sandboxId, this.containerConfig(pod, c, attempt, envs, user), sandboxConfig);
    } catch (err) {
      waiting[c.name] = { reason: 'CreateContainerError', message: (err as Error).message };
      return;
    }
    try {
      await this.opts.runtime.startContainer(id);
      this.log(`StartContainer ${pod.metadata.namespace}/${pod.metadata.name}/${c.name} attempt ${attempt}: ${id.slice(0, 13)}`);
    } catch (err) {
      this.log(`StartContainer ${pod.metadata.namespace}/${pod.metadata.name}/${c.name}: ${(err as Error).message}`);
    }
  }

  async podStatus(pod: Pod): Promise<PodStatus> {
    const runtimeName = this.runtimeName ??= (await this.opts.runtime.version()).runtime_name;
    const [sandbox] = await this.sandboxes(pod);
    const attempts = sandbox ? await this.attempts(sandbox.id) : {};
    const podIP = sandbox ? (await this.opts.runtime.podSandboxStatus(sandbox.id)).network?.ip || undefined : undefined;
    return criPodStatus(pod, { hostIP: this.opts.hostIP, podIP, runtimeName, sandbox, attempts, waiting: this.waiting.get(pod.metadata.uid ?? '') ?? {} });
  }

  // #region kill-pod
  // KillPod: stop every container with the grace period, then the sandbox; and remove them all. StopContainer's
  // timeout is the grace period: the runtime sends SIGTERM, and SIGKILL when it runs out (killContainer, which
  // gives every container at least 2 s).
  async killPod(pod: Pod, gracePeriodOverride?: number): Promise<void> {
    const grace = Math.max(gracePeriodOverride ?? pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 2, MINIMUM_GRACE_PERIOD_SECONDS);
    for (const s of await this.sandboxes(pod)) {
      const containers = await this.opts.runtime.listContainers({ pod_sandbox_id: s.id });
      await Promise.all(containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => this.opts.runtime.stopContainer(c.id, grace)));
      await this.opts.runtime.stopPodSandbox(s.id);
      await this.opts.runtime.removePodSandbox(s.id);
    }
    this.waiting.delete(pod.metadata.uid ?? '');
  }
  // #endregion kill-pod

  // #region get-exec
  // GetExec: the container must be running, found over CRI by the labels the kubelet put on it.
  async getExec(pod: Pod, container: string, cmd: string[], opts: ExecStreamOptions): Promise<ExecDestination> {
    const running = await this.opts.runtime.listContainers({
      state: { state: 'CONTAINER_RUNNING' },
      label_selector: { [POD_UID]: pod.metadata.uid ?? '', [CONTAINER_NAME]: container },
    }).catch((err: unknown) => { throw criErrorToStatus(err); });
    const found = running[0];
    if (!found) {
      // A plain error, as the real kubelet's GetExec returns it: streaming.WriteError makes it a 500.
      throw new Error(`container not found ("${container}")`);
    }
    return this.opts.exec.getExec(this.opts.runtime, { pod, container, containerId: found.id, cmd, opts });
  }
  // #endregion get-exec

  // #region pleg
  // The PLEG (pkg/kubelet/pleg/generic.go): relist the runtime's containers every second and tell the
  // kubelet which pods changed, so an exited container is noticed, reported and restarted.
  watchPodLifecycle(onChange: (podUID: string) => void, intervalMs = 1000): Promise<void> {
    let busy = false;
    let failing = false;
    const relist = () => {
      if (busy) return Promise.resolve();
      busy = true;
      return this.opts.runtime.listContainers().then((containers) => {
        if (failing) this.log('PLEG: the runtime answers again');
        failing = false;
        this.relistTime = this.now();
        const changed = new Set<string>();
        const now = new Set<string>();
        for (const c of containers) {
          const uid = c.labels[POD_UID] ?? '';
          now.add(c.id);
          if (this.seen.get(c.id)?.state !== c.state) changed.add(uid);
          this.seen.set(c.id, { state: c.state, uid });
        }
        for (const [id, { uid }] of this.seen) if (!now.has(id)) { changed.add(uid); this.seen.delete(id); }
        // Pods waiting out a back-off are looked at again on every relist, to restart them when it ends.
        for (const [uid, waiting] of this.waiting) if (Object.values(waiting).some((w) => w.reason === 'CrashLoopBackOff')) changed.add(uid);
        for (const uid of changed) if (uid) onChange(uid);
      }).catch((err: unknown) => {
        if (!failing) this.log(`PLEG: relist failed: ${(err as Error).message}`);
        failing = true;
      }).finally(() => { busy = false; });
    };
    this.relist = setInterval(relist, intervalMs);
    return relist();   // the first one now, as wait.Until does
  }

  // GenericPLEG.Healthy: a PLEG that cannot relist leaves the kubelet blind, and the node NotReady.
  healthChecks(): HealthCheck[] {
    const threshold = this.opts.plegRelistThresholdMs ?? 180_000;
    return [{ name: 'PLEG', check: () => {
      if (!this.relistTime) return 'pleg has yet to be successful';
      const elapsed = this.now() - this.relistTime;
      return elapsed > threshold ? `pleg was last seen active ${formatDuration(elapsed)} ago; threshold is ${formatDuration(threshold)}` : undefined;
    } }];
  }
  // #endregion pleg

  // CRI Status: RuntimeReady and NetworkReady, as the runtime sees itself. Unreachable: the call fails.
  async status(): Promise<RuntimeStatus> {
    const res = await this.opts.runtime.status();
    return { conditions: res.status?.conditions ?? [] };
  }

  metrics(): string { return this.opts.metrics?.render() ?? ''; }

  async close(): Promise<void> {
    clearInterval(this.relist);
  }
}
