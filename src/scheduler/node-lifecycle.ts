// The node lifecycle controller's health check: a node whose kubelet stopped heartbeating is marked
// NotReady (Ready=Unknown, NodeStatusUnknown) after a grace period (pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth).
import type { Node, NodeCondition } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import type { List } from '../api/types.ts';
import type { RESTClient } from '../client/rest-client.ts';

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

  constructor(private readonly client: RESTClient, private readonly opts: NodeLifecycleOptions) {}

  start(): void {
    this.timer = setInterval(() => { this.inFlight ??= this.monitorNodeHealth().finally(() => { this.inFlight = undefined; }); }, this.opts.monitorPeriodMs);
  }

  async monitorNodeHealth(): Promise<void> {
    const now = this.opts.now?.() ?? Date.now();
    try {
      const nodes = await this.client.get<List<Node>>('/api/v1/nodes');
      for (const node of nodes.items) {
        const conditions = staleConditions(node, now, this.opts.gracePeriodMs);
        if (!conditions) continue;
        node.status = { ...node.status, conditions };
        try {
          await this.client.put(`/api/v1/nodes/${node.metadata.name}/status`, node);
          this.opts.log?.(`Node ${node.metadata.name} hasn't been updated for more than ${this.opts.gracePeriodMs / 1000}s: marking it NotReady`);
        } catch (err) {
          // 409: the kubelet wrote a heartbeat in between, so it is alive after all.
          if (!(err instanceof StatusError && err.code === 409)) throw err;
        }
      }
    } catch (err) {
      this.opts.log?.(`node health: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }
}
