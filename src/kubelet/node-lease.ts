// The node's Lease in kube-node-lease: created once, its renewTime renewed every interval, so a node's liveness costs
// one small write however large its status is (k8s.io/component-helpers/apimachinery/lease/controller.go).
import type { Lease, Node } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import type { RESTClient } from '../client/rest-client.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
// NodeLeaseDurationSeconds: the kubelet's default, 40 s. The controller renews every quarter of it (10 s);
// our kubelet renews at its heartbeat interval, which is the same 10 s unless a checkpoint shortens it.
export const NODE_LEASE_DURATION_SECONDS = 40;

// metav1.MicroTime: RFC 3339 with microseconds.
export const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const path = (name?: string) => `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases${name ? `/${name}` : ''}`;

// #region node-lease
export class NodeLease {
  private lease?: Lease;

  constructor(private readonly client: RESTClient, private readonly nodeName: string, private readonly signal: AbortSignal) {}

  // ensureLease: get it, or create it owned by the Node (so deleting the Node deletes its Lease).
  private async ensure(): Promise<Lease> {
    try { return await this.client.get<Lease>(path(this.nodeName), undefined, { signal: this.signal }); } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
    const node = await this.client.get<Node>(`/api/v1/nodes/${this.nodeName}`, undefined, { signal: this.signal }).catch(() => undefined);
    const ownerReferences = node?.metadata.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata.uid }] : undefined;
    return this.client.post<Lease>(path(), {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: this.nodeName, namespace: NODE_LEASE_NAMESPACE, ...(ownerReferences ? { ownerReferences } : {}) },
      spec: { holderIdentity: this.nodeName, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: microTime() },
    }, undefined, { signal: this.signal });
  }

  // One renewal: a PUT of the last lease seen with a new renewTime (its resourceVersion a precondition). On a
  // conflict, or a lease deleted meanwhile, the next renewal starts again from a fresh get.
  async renew(): Promise<void> {
    const base = this.lease ?? await this.ensure();
    const next: Lease = { ...base, spec: { ...base.spec, holderIdentity: this.nodeName, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: microTime() } };
    try {
      this.lease = await this.client.put<Lease>(path(this.nodeName), next, undefined, { signal: this.signal });
    } catch (err) {
      this.lease = undefined;
      throw err;
    }
  }
}
// #endregion node-lease
