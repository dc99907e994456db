// The node lifecycle controller's health check: a node whose kubelet stopped heartbeating is marked
// NotReady (Ready=Unknown, NodeStatusUnknown) after a grace period, and its pods not Ready
// (pkg/controller/nodelifecycle/node_lifecycle_controller.go monitorNodeHealth, tryUpdateNodeHealth).
import type { Node, NodeCondition } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import type { List } from '../api/types.ts';
import type { RESTClient } from '../client/rest-client.ts';
import { markPodsNotReady } from './mark-pods-not-ready.ts';

export interface NodeLifecycleOptions {
  gracePeriodMs: number;    // --node-monitor-grace-period (40 s in Kubernetes)
  monitorPeriodMs: number;  // --node-monitor-period (5 s)
  log?: (line: string) => void;
  now?: () => number;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

// #region node-health
// The conditions to write for a node last heard from at `lastHeartbeat`, or undefined if it is fine
// (or already marked). Every condition the kubelet owned becomes Unknown, as the real controller does.
export function staleConditions(node: Node, nowMs: number, gracePeriodMs: number): NodeCondition[] | undefined {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown') return undefined;
  const heard = Date.parse(ready?.lastHeartbeatTime ?? node.metadata.creationTimestamp ?? '');
  if (Number.isFinite(heard) && nowMs - heard <= gracePeriodMs) return undefined;
  const at = rfc3339(nowMs);
  const kinds = conditions.length ? conditions : [{ type: 'Ready', status: 'Unknown' as const }];
  return kinds.map((c) => ({
    ...c,
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
    lastTransitionTime: c.status === 'Unknown' ? c.lastTransitionTime ?? at : at,
  }));
}
// #endregion node-health

export class NodeLifecycleController {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private readonly nodesToRetry = new Set<string>();   // nodes whose pods could not all be marked

  constructor(private readonly client: RESTClient, private readonly opts: NodeLifecycleOptions) {}

  start(): void {
    this.timer = setInterval(() => { this.inFlight ??= this.monitorNodeHealth().finally(() => { this.inFlight = undefined; }); }, this.opts.monitorPeriodMs);
  }

  async monitorNodeHealth(): Promise<void> {
    const now = this.opts.now?.() ?? Date.now();
    try {
      const nodes = await this.client.get<List<Node>>('/api/v1/nodes');
      for (const node of nodes.items) {
        const name = node.metadata.name ?? '';
        const conditions = staleConditions(node, now, this.opts.gracePeriodMs);
        if (!conditions) {
          // Only a node still not Ready is worth another try; a kubelet that came back rewrites its pods itself.
          const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
          if (this.nodesToRetry.has(name) && ready?.status !== 'True') await this.markPods(name, now);
          else this.nodesToRetry.delete(name);
          continue;
        }
        node.status = { ...node.status, conditions };
        try {
          await this.client.put(`/api/v1/nodes/${name}/status`, node);
          this.opts.log?.(`Node ${name} hasn't been updated for more than ${this.opts.gracePeriodMs / 1000}s: marking it NotReady`);
        } catch (err) {
          // 409: the kubelet wrote a heartbeat in between, so it is alive after all.
          if (!(err instanceof StatusError && err.code === 409)) throw err;
          continue;
        }
        // Once, on the transition, as the real controller does: marking on every pass would fight a
        // kubelet that has just come back and reported its pods Ready before its first heartbeat.
        await this.markPods(name, now);
      }
    } catch (err) {
      this.opts.log?.(`node health: ${(err as Error).message}`);
    }
  }

  private async markPods(nodeName: string, now: number): Promise<void> {
    const errors = await markPodsNotReady(this.client, nodeName, rfc3339(now), this.opts.log).catch((err: Error) => [err]);
    if (errors.length) {
      this.nodesToRetry.add(nodeName);
      this.opts.log?.(`unable to mark all pods NotReady on node ${nodeName}: ${errors.map((e) => e.message).join('; ')}; queuing for retry`);
    } else {
      this.nodesToRetry.delete(nodeName);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }
}
