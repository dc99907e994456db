// The kubelet: registers its Node and heartbeats, watches the pods bound to it, syncs them through its
// runtime, reports their status, and serves exec (pkg/kubelet/kubelet.go Run, syncLoop, syncPod; config/apiserver.go).
import type { Pod, PodStatus, WatchEvent } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import type { RESTClient } from '../client/rest-client.ts';
import { NodeLease } from './node-lease.ts';
import { registerNode, updateNodeStatus, type NodeFacts } from './node-status.ts';
import { PodManager } from './pod-manager.ts';
import { runReflector } from './reflector.ts';
import type { KubeletRuntime } from './runtime.ts';
import { aggregate, RuntimeState, updateRuntimeUp } from './runtime-state.ts';
import { KubeletServer, type KubeletServerOptions } from './server.ts';

export interface KubeletOptions {
  client: RESTClient;
  nodeName: string;
  hostIP: string;
  runtime: KubeletRuntime;
  runtimeVersion: string;
  port?: number;
  heartbeatIntervalMs?: number;   // nodeStatusUpdateFrequency (10 s in Kubernetes)
  resyncIntervalMs?: number;      // how often every pod is synced again, so runtime changes reach pods/status (PLEG relists every 1 s)
  runtimeStatusPeriodMs?: number;  // how often the runtime's Status is asked (updateRuntimeUp: 5 s in Kubernetes)
  runtimeSyncThresholdMs?: number; // unheard for this long, the runtime is down (maxWaitForContainerRuntime: 30 s)
  log?: (line: string) => void;
  // Chapter 9: HTTPS and the front door (authentication, then authorization) on the kubelet's port.
  serving?: Pick<KubeletServerOptions, 'tls' | 'frontDoor'>;
}

export class Kubelet {
  readonly podManager = new PodManager();
  readonly server: KubeletServer;
  private readonly abort = new AbortController();
  private readonly workers = new Map<string, Promise<void>>();  // one sync at a time per pod uid
  private readonly reported = new Map<string, string>();         // uid → the status we last wrote
  private readonly terminating = new Map<string, number>();      // uid → the grace period its containers are stopping with
  private readonly terminated = new Set<string>();               // uids stopped and confirmed: later updates change nothing
  private heartbeat?: NodeJS.Timeout;
  private leaseRenewal?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private reflector?: Promise<void>;
  readonly runtimeState: RuntimeState;
  private runtimePoll?: NodeJS.Timeout;
  private runtimeWaiters: { resolve(): void; reject(err: Error): void }[] = [];   // pod work held while the runtime is down
  private lastReadyMessage?: string;              // the NotReady message we last reported ('' when Ready)
  private runtimeFailing = false;                 // the last Status call failed

  constructor(private readonly opts: KubeletOptions) {
    this.server = new KubeletServer({ nodeName: opts.nodeName, podManager: this.podManager, runtime: opts.runtime, port: opts.port, log: opts.log, ...opts.serving });
    this.runtimeState = new RuntimeState(opts.runtimeSyncThresholdMs ?? 30_000);
    for (const check of opts.runtime.healthChecks?.() ?? []) this.runtimeState.addHealthCheck(check);
  }

  private log(line: string): void { this.opts.log?.(line); }

  // #region kubelet-run
  async start(): Promise<URL> {
    const url = await this.server.listen();
    const facts: NodeFacts = { nodeName: this.opts.nodeName, hostIP: this.opts.hostIP, port: this.server.port, runtimeVersion: this.opts.runtimeVersion };
    // The runtime is asked first, so the node's first status already says whether it works.
    await this.opts.runtime.watchPodLifecycle?.((uid) => {
      const pod = this.podManager.pods().find((p) => p.metadata.uid === uid);
      if (pod) this.update(pod, 'PLEG');
    });
    await this.checkRuntime();
    this.startRuntimePoll();
    const notReady = this.notReadyErrors();
    await registerNode(this.opts.client, facts, this.abort.signal, notReady);
    this.reportedReadiness(notReady);
    this.log(`Successfully registered node ${facts.nodeName} (kubelet port ${facts.port})`);
    // Heartbeats: each one rewrites the Ready condition's lastHeartbeatTime, and says whether the runtime
    // works. A node whose heartbeats stop is marked NotReady by the node lifecycle controller instead.
    let beating = false;
    this.heartbeat = setInterval(() => {
      if (beating) return;
      beating = true;
      const notReady = this.notReadyErrors();
      updateNodeStatus(this.opts.client, facts, this.abort.signal, notReady)
        .then(() => this.reportedReadiness(notReady))
        .catch((err) => { if (!this.abort.signal.aborted) this.log(`Error updating node status: ${(err as Error).message}`); })
        .finally(() => { beating = false; });
    }, this.opts.heartbeatIntervalMs ?? 10_000);
    // The Lease is the cheap heartbeat: the node lifecycle controller takes a renewed Lease as a sign of life.
    this.renewLease(this.opts.heartbeatIntervalMs ?? 10_000);
    // A container that exits changes no API object: only looking again finds it (the PLEG's relist).
    this.resync = setInterval(() => {
      for (const pod of this.podManager.pods()) if (!this.workers.has(pod.metadata.uid ?? '')) this.update(pod, 'RESYNC');
    }, this.opts.resyncIntervalMs ?? 1000);
    // The pods bound to this node, and only those: a field selector on spec.nodeName.
    this.reflector = runReflector<Pod>(this.opts.client, {
      replace: (pods) => this.replacePods(pods),
      event: (e) => this.podEvent(e),
    }, {
      path: '/api/v1/pods',
      query: { fieldSelector: `spec.nodeName=${this.opts.nodeName}` },
      signal: this.abort.signal,
      onError: (err) => this.log(`pod watch: ${(err as Error).message}`),
    });
    return url;
  }
  // #endregion kubelet-run

  // Renews at once (creating the Lease if needed), then every interval; a failed renewal is logged, the next one retries.
  private renewLease(intervalMs: number): void {
    const lease = new NodeLease(this.opts.client, this.opts.nodeName, this.abort.signal);
    let renewing = false;
    const renew = () => {
      if (renewing) return;
      renewing = true;
      lease.renew()
        .catch((err) => { if (!this.abort.signal.aborted) this.log(`failed to update lease: ${(err as Error).message}`); })
        .finally(() => { renewing = false; });
    };
    renew();
    this.leaseRenewal = setInterval(renew, intervalMs);
  }

  // #region runtime-up
  // The syncLoop's gate: while the runtime has errors, no pod is synced (nor killed). The work waits, and
  // runs when the runtime is back, so a pod bound meanwhile starts then.
  private runtimeUp(): Promise<void> {
    const errs = this.runtimeState.runtimeErrors();
    if (errs.length === 0) return Promise.resolve();
    if (this.runtimeWaiters.length === 0) this.log(`Skipping pod synchronization: ${aggregate(errs)}`);
    if (this.abort.signal.aborted) return Promise.reject(new Error('kubelet stopped'));
    return new Promise((resolve, reject) => { this.runtimeWaiters.push({ resolve, reject }); });
  }

  // updateRuntimeUp on a timer; the work held above goes on once the runtime has no errors.
  private async checkRuntime(): Promise<void> {
    try {
      await updateRuntimeUp(this.opts.runtime, this.runtimeState);
      if (this.runtimeFailing) this.log('Container runtime answers again');
      this.runtimeFailing = false;
    } catch (err) {
      // Once per outage: the poll goes on every period, and would say the same thing each time.
      if (!this.runtimeFailing && !this.abort.signal.aborted) this.log(`Container runtime sanity check failed: ${(err as Error).message}`);
      this.runtimeFailing = true;
    }
    if (this.runtimeState.runtimeErrors().length === 0) for (const w of this.runtimeWaiters.splice(0)) w.resolve();
  }
  // #endregion runtime-up

  private startRuntimePoll(): void {
    let asking = false;   // a hung Status call is not asked again on top of itself
    this.runtimePoll = setInterval(() => {
      if (asking) return;
      asking = true;
      void this.checkRuntime().finally(() => { asking = false; });
    }, this.opts.runtimeStatusPeriodMs ?? 5000);
  }

  // ReadyCondition's inputs: the runtime's errors, then the network's.
  private notReadyErrors(): string[] {
    return [...this.runtimeState.runtimeErrors(), ...this.runtimeState.networkErrors()];
  }

  private reportedReadiness(notReady: string[]): void {
    const message = aggregate(notReady) ?? '';
    if (message === this.lastReadyMessage) return;
    if (this.lastReadyMessage !== undefined) this.log(message ? `Node became not ready: ${message}` : 'Node became ready');
    this.lastReadyMessage = message;
  }

  private replacePods(pods: Pod[]): void {
    const uids = new Set(pods.map((p) => p.metadata.uid));
    for (const old of this.podManager.pods()) if (!uids.has(old.metadata.uid)) this.forget(old);
    for (const pod of pods) this.update(pod, 'ADD');
  }

  private podEvent(e: WatchEvent<Pod>): void {
    if (e.type === 'DELETED') this.forget(e.object);
    else this.update(e.object, e.type === 'ADDED' ? 'ADD' : 'UPDATE');
  }

  private update(pod: Pod, op: string): void {
    const old = this.podManager.addOrUpdate(pod);
    if (!old || old.metadata.uid !== pod.metadata.uid) this.log(`SyncLoop ${op} ${pod.metadata.namespace}/${pod.metadata.name}`);
    if (pod.metadata.deletionTimestamp) {
      const uid = pod.metadata.uid ?? '';
      if (this.terminated.has(uid)) return;
      return this.terminating.has(uid) ? this.shorten(pod) : this.enqueue(pod, () => this.terminate(pod));
    }
    this.enqueue(pod, () => this.syncPod(pod));
  }

  // Gone from the API server without the kubelet's confirmation (a forced delete): stop it all the same,
  // with the grace period the pod was given.
  private forget(pod: Pod): void {
    this.log(`SyncLoop REMOVE ${pod.metadata.namespace}/${pod.metadata.name}`);
    this.podManager.remove(pod);
    this.reported.delete(pod.metadata.uid ?? '');
    if (this.terminated.delete(pod.metadata.uid ?? '')) return;   // stopped already
    this.enqueue(pod, () => this.opts.runtime.killPod(pod, effectiveGracePeriod(pod)));
  }

  private enqueue(pod: Pod, work: () => Promise<void>): void {
    const uid = pod.metadata.uid ?? '';
    const next = (this.workers.get(uid) ?? Promise.resolve())
      .then(() => this.runtimeUp())
      .then(work)
      .catch((err) => { if (!this.abort.signal.aborted) this.log(`Error syncing pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error).message}`); });
    this.workers.set(uid, next);
    void next.finally(() => { if (this.workers.get(uid) === next) this.workers.delete(uid); });
  }

  // #region sync-pod
  // syncPod, in the real kubelet's order: first tell the API server what is true now (an exit the PLEG just
  // saw is reported before the restart hides it), then make the runtime match the spec, then report what changed.
  private async syncPod(pod: Pod): Promise<void> {
    const latest = this.podManager.getPodByName(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
    if (!latest || latest.metadata.uid !== pod.metadata.uid) return;   // deleted or replaced meanwhile
    await this.reportStatus(latest, true);
    await this.opts.runtime.syncPod(latest);
    await this.reportStatus(latest, false);
  }

  private async reportStatus(pod: Pod, reconcile: boolean): Promise<void> {
    const status = await this.opts.runtime.podStatus(pod);
    const uid = pod.metadata.uid ?? '';
    const json = JSON.stringify(status);
    // Our own status update coming back: nothing new. Unless someone else changed the conditions since
    // (the node lifecycle controller's MarkPodsNotReady): then say again what is true (status_manager.go needsReconcile).
    if (this.reported.get(uid) === json && (!reconcile || sameConditions(pod.status, status))) return;
    await this.putStatus(pod, status);
    this.reported.set(uid, json);
  }
  // #endregion sync-pod

  // pods/status carries the whole pod; on a conflict the pod changed under us, so read it again once.
  private async putStatus(pod: Pod, status: PodStatus): Promise<void> {
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
    const body = (p: Pod) => ({ ...p, apiVersion: 'v1', kind: 'Pod', status: { ...p.status, ...status } });
    try {
      await this.opts.client.put(path, body(pod), undefined, { signal: this.abort.signal });
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      if (err.code === 404) return;
      if (err.code !== 409) throw err;
      const fresh = await this.opts.client.get<Pod>(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, undefined, { signal: this.abort.signal });
      if (fresh.metadata.uid !== pod.metadata.uid) return;
      await this.opts.client.put(path, body(fresh), undefined, { signal: this.abort.signal });
    }
  }

  // #region terminate
  // A graceful delete (deletionTimestamp set): stop the containers with the grace period (SIGTERM, SIGKILL when
  // it ends), then finish the deletion with grace period 0 and the pod's uid as precondition, so a new pod of the
  // same name is never deleted by mistake (pod_workers.go syncTerminatingPod, status_manager.go syncPod).
  private async terminate(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    if (this.terminated.has(uid)) return;
    const grace = effectiveGracePeriod(pod);
    this.log(`Killing pod ${pod.metadata.namespace}/${pod.metadata.name} with a grace period of ${grace}s`);
    this.terminating.set(uid, grace);
    try {
      await this.opts.runtime.killPod(pod, grace);
    } finally {
      this.terminating.delete(uid);
    }
    this.terminated.add(uid);
    try {
      await this.opts.client.delete(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`,
        { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid } }, undefined, { signal: this.abort.signal });
      this.log(`Pod ${pod.metadata.namespace}/${pod.metadata.name} fully terminated and removed from the API server`);
    } catch (err) {
      if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
      this.terminated.delete(uid);   // not confirmed: the next resync tries again
      throw err;
    }
  }

  // A second delete shortened the grace period while the containers stop: stop them again, sooner. The
  // runtime's first stop is still waiting; whichever SIGKILL comes first ends the containers.
  private shorten(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const grace = effectiveGracePeriod(pod);
    if (grace >= (this.terminating.get(uid) ?? 0)) return;
    this.terminating.set(uid, grace);
    this.log(`Killing pod ${pod.metadata.namespace}/${pod.metadata.name} again with a shorter grace period of ${grace}s`);
    this.opts.runtime.killPod(pod, grace).catch((err) => this.log(`Error killing pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error).message}`));
  }
  // #endregion terminate

  async close(): Promise<void> {
    this.abort.abort();
    clearInterval(this.heartbeat);
    clearInterval(this.leaseRenewal);
    clearInterval(this.resync);
    clearInterval(this.runtimePoll);
    for (const w of this.runtimeWaiters.splice(0)) w.reject(new Error('kubelet stopped'));
    await this.server.close();
    await this.reflector;
    await Promise.allSettled([...this.workers.values()]);
    await this.opts.runtime.close?.();
  }
}

// calculateEffectiveGracePeriod (pod_workers.go): the API server's deletionGracePeriodSeconds, else the pod's
// terminationGracePeriodSeconds (a forced delete's 0 means "not said"), and never less than 1 second.
export function effectiveGracePeriod(pod: Pod): number {
  const fromServer = pod.metadata.deletionGracePeriodSeconds ?? 0;
  const grace = fromServer > 0 ? fromServer : (pod.spec.terminationGracePeriodSeconds ?? 0);
  return Math.max(grace, 1);
}

const conditionStatuses = (s: PodStatus | undefined) => JSON.stringify((s?.conditions ?? []).map((c) => [c.type, c.status]));
function sameConditions(api: PodStatus | undefined, ours: PodStatus): boolean {
  return !ours.conditions || conditionStatuses(api) === conditionStatuses(ours);
}
