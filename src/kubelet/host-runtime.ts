// The chapter-3 KubeletRuntime: no containers yet, so an admitted pod's containers count as running and
// an exec runs its argv on the kubelet's host, in a folder of the pod's own (stands in for kubeGenericRuntimeManager).
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, PodStatus } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import { containerEnv } from './env.ts';
import { ContainerBoundExecutor } from '../exec/bound-executor.ts';
import { LocalExecutor } from '../exec/local.ts';
import { ContainerSessions, killRecordedSessions } from '../exec/process-groups.ts';
import type { ExecDestination, ExecStreamOptions, KubeletRuntime } from './runtime.ts';
import { runningPodStatus } from './pod-status.ts';

export interface HostRuntimeOptions {
  nodeName: string;
  stateDir: string;    // the checkpoint's state folder; pods live under <stateDir>/<node>/pods/
  hostIP: string;
}

// Names become path segments: only DNS-style names and uids, so nothing can climb out of the pods folder.
const SAFE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Admitted { startTime: string; containerIDs: Record<string, string> }

export class HostRuntime implements KubeletRuntime {
  private readonly pods = new Map<string, Admitted>();   // by uid
  private readonly stopped = new Map<string, AbortController>();   // by uid: aborted when the pod is killed
  private readonly hop: string;

  constructor(private readonly opts: HostRuntimeOptions) {
    this.hop = `kubelet ${opts.nodeName}`;
    // A kubelet that was killed left its execs' processes running: they belonged to pods this one admits afresh.
    const root = this.sessionsRoot();
    for (const uid of existsSync(root) ? readdirSync(root) : []) killRecordedSessions(join(root, uid));
  }

  // Exec'd commands, per pod, in sessions recorded outside the pod's folders (which the commands can see).
  private sessionsRoot(): string { return join(this.opts.stateDir, this.opts.nodeName, 'exec-sessions'); }
  private sessions(pod: Pod): ContainerSessions {
    this.podDir(pod); // refuses unsafe names: the uid becomes a path segment
    return new ContainerSessions(join(this.sessionsRoot(), pod.metadata.uid ?? ''));
  }

  // <state>/<node>/pods/<namespace>_<name>_<uid>: the layout of /var/lib/kubelet/pods, with names a reader can find.
  podDir(pod: Pod): string {
    const { namespace = 'default', name = '', uid = '' } = pod.metadata;
    for (const n of [namespace, name, uid]) {
      if (!SAFE.test(n)) throw new StatusError({ metadata: {}, status: 'Failure', code: 400, reason: 'BadRequest', message: `${this.hop}: unsafe pod name ${JSON.stringify(n)}` });
    }
    return join(this.opts.stateDir, this.opts.nodeName, 'pods', `${namespace}_${name}_${uid}`);
  }

  containerDir(pod: Pod, container: string): string {
    if (!SAFE.test(container)) throw new StatusError({ metadata: {}, status: 'Failure', code: 400, reason: 'BadRequest', message: `${this.hop}: unsafe container name ${JSON.stringify(container)}` });
    return join(this.podDir(pod), container);
  }

  async syncPod(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    if (this.pods.has(uid)) return;
    const containerIDs: Record<string, string> = {};
    for (const c of pod.spec.containers) {
      await mkdir(this.containerDir(pod, c.name), { recursive: true });
      containerIDs[c.name] = `host://${createHash('sha256').update(`${uid}/${c.name}`).digest('hex')}`;
    }
    this.stopped.set(uid, new AbortController());
    this.pods.set(uid, { startTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), containerIDs });
  }

  async podStatus(pod: Pod): Promise<PodStatus> {
    const admitted = this.pods.get(pod.metadata.uid ?? '');
    if (!admitted) return { phase: 'Pending', hostIP: this.opts.hostIP };
    // Host "containers" share the node's network, as hostNetwork pods do: the pod IP is the host's.
    return runningPodStatus(pod, { hostIP: this.opts.hostIP, podIP: this.opts.hostIP, ...admitted });
  }

  // A host "container" has no process of its own to send SIGTERM to, so the grace period has nothing to wait
  // for: it stops at once, and the commands exec'd in it are killed, as a container's are when its init dies.
  async killPod(pod: Pod, _gracePeriodOverride?: number): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    this.stopped.get(uid)?.abort();
    this.stopped.delete(uid);
    this.pods.delete(uid);
    this.sessions(pod).end(); // and whatever those commands started, from the sessions on disk
    await rm(this.podDir(pod), { recursive: true, force: true });
  }

  // #region host-get-exec
  async getExec(pod: Pod, container: string, cmd: string[], _opts: ExecStreamOptions): Promise<ExecDestination> {
    const admitted = this.pods.get(pod.metadata.uid ?? '');
    const spec = pod.spec.containers.find((c) => c.name === container);
    if (!admitted || !spec) {
      // A plain error, as the real kubelet's GetExec returns it: its HTTP handler answers 500.
      throw new Error(`container not found ("${container}")`);
    }
    // The container's own environment, as a real one would have it: its spec's variables, the downward API's
    // fieldRef included (a pod that wants its node's name asks for spec.nodeName), and its hostname.
    let vars: [string, string][];
    try { vars = containerEnv(pod, spec, { hostIP: this.opts.hostIP, podIP: this.opts.hostIP }); } catch (err) {
      throw new StatusError({ metadata: {}, status: 'Failure', code: 500, reason: 'InternalError', message: `${this.hop}: ${(err as Error).message}` });
    }
    const env: NodeJS.ProcessEnv = { PATH, HOSTNAME: pod.metadata.name, ...Object.fromEntries(vars) };
    const sessions = this.sessions(pod);
    const stopped = this.stopped.get(pod.metadata.uid ?? '')?.signal ?? AbortSignal.abort();
    return {
      kind: 'executor',
      executor: new ContainerBoundExecutor(new LocalExecutor({ env, hop: this.hop, track: (pid) => { sessions.open(); sessions.add(pid); } }), () => stopped),
      target: { container: this.containerDir(pod, container), cmd },
    };
  }
  // #endregion host-get-exec

  async close(): Promise<void> {
    for (const c of this.stopped.values()) c.abort();
    this.stopped.clear();
    this.pods.clear();
  }
}
