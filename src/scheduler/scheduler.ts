// The scheduler: keeps caches of nodes and pods, and binds each pending pod to a node through
// pods/binding (pkg/scheduler/scheduler.go, schedule_one.go scheduleOne and bind; DefaultBinder).
import type { Binding, Node, Pod, WatchEvent } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import type { RESTClient } from '../client/rest-client.ts';
import { runReflector } from '../kubelet/reflector.ts';
import { needsScheduling, pickNode } from './schedule.ts';

export interface Binder { bind(pod: Pod, nodeName: string): Promise<void> }

// #region default-binder
// DefaultBinder: a Binding object POSTed to the pod's binding subresource. The API server sets
// spec.nodeName (only if it is still empty) and the PodScheduled condition.
export class DefaultBinder implements Binder {
  constructor(private readonly client: RESTClient, private readonly signal?: AbortSignal) {}
  async bind(pod: Pod, nodeName: string): Promise<void> {
    const binding: Binding = {
      apiVersion: 'v1', kind: 'Binding',
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    await this.client.post(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/binding`, binding, undefined, { signal: this.signal });
  }
}
// #endregion default-binder

const key = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;

export class Scheduler {
  private readonly nodes = new Map<string, Node>();
  private readonly pods = new Map<string, Pod>();
  private running?: Promise<void>;
  private dirty = false;

  constructor(private readonly binder: Binder, private readonly log: (line: string) => void = () => {}) {}

  replaceNodes(nodes: Node[]): void { this.nodes.clear(); for (const n of nodes) this.nodes.set(n.metadata.name ?? '', n); this.kick(); }
  replacePods(pods: Pod[]): void { this.pods.clear(); for (const p of pods) this.pods.set(key(p), p); this.kick(); }
  nodeEvent(e: WatchEvent<Node>): void {
    if (e.type === 'DELETED') this.nodes.delete(e.object.metadata.name ?? '');
    else this.nodes.set(e.object.metadata.name ?? '', e.object);
    this.kick();
  }
  podEvent(e: WatchEvent<Pod>): void {
    if (e.type === 'DELETED') this.pods.delete(key(e.object));
    else this.pods.set(key(e.object), e.object);
    this.kick();
  }

  // Resolves when every pod that can be placed now has been (for tests and for a clean stop).
  async idle(): Promise<void> { while (this.running) await this.running; }

  // One loop at a time; a change that arrives while it runs makes it go round again.
  private kick(): void {
    this.dirty = true;
    if (this.running) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.dirty) this.kick();
    });
  }

  private async loop(): Promise<void> {
    await Promise.resolve();   // let the caller finish its update before we look
    while (this.dirty) {
      this.dirty = false;
      const pending = [...this.pods.values()].filter((p) => needsScheduling(p))
        .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));   // stable: arrival order within a second
      for (const pod of pending) await this.scheduleOne(pod);
    }
  }

  private async scheduleOne(pod: Pod): Promise<void> {
    const nodes = [...this.nodes.values()];
    const nodeName = pickNode(nodes, (n) => [...this.pods.values()].filter((p) => p.spec.nodeName === n).length);
    if (!nodeName) {
      this.log(`Unable to schedule pod ${key(pod)}: 0/${nodes.length} nodes are available`);
      return;   // tried again when a node changes
    }
    // Assume the binding before it is confirmed, so the next pod sees this node's new count.
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName } };
    this.pods.set(key(pod), assumed);
    try {
      await this.binder.bind(pod, nodeName);
      this.log(`Successfully assigned ${key(pod)} to ${nodeName}`);
    } catch (err) {
      if (this.pods.get(key(pod)) === assumed) this.pods.set(key(pod), pod);
      // 409: someone bound it first, or it is gone; 404: deleted. Anything else: retry on the next change.
      if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return;
      this.log(`Error binding ${key(pod)} to ${nodeName}: ${(err as Error).message}`);
    }
  }

  // List-and-watch nodes and pods until the signal is aborted.
  run(client: RESTClient, signal: AbortSignal): Promise<void> {
    const onError = (what: string) => (err: unknown) => this.log(`${what} watch: ${(err as Error).message}`);
    return Promise.all([
      runReflector<Node>(client, { replace: (n) => this.replaceNodes(n), event: (e) => this.nodeEvent(e) }, { path: '/api/v1/nodes', signal, onError: onError('node') }),
      runReflector<Pod>(client, { replace: (p) => this.replacePods(p), event: (e) => this.podEvent(e) }, { path: '/api/v1/pods', signal, onError: onError('pod') }),
    ]).then(() => this.idle());
  }
}
