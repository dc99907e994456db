// The kubelet's node Lease against a real API server: created in kube-node-lease owned by the Node, held by the
// node, 40 s long, its renewTime moving at the heartbeat interval; recreated when someone deletes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APIServer } from '../../../src/apiserver/server.ts';
import { RESTClient } from '../../../src/client/rest-client.ts';
import { Kubelet } from '../../../src/kubelet/kubelet.ts';
import { microTime, NodeLease } from '../../../src/kubelet/node-lease.ts';
import type { KubeletRuntime } from '../../../src/kubelet/runtime.ts';
import type { Lease } from '../../../src/api/types.ts';
import { waitFor } from '../../../src/util/wait.ts';

const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1';

const idleRuntime: KubeletRuntime = {
  syncPod: async () => {},
  podStatus: async () => ({ phase: 'Pending' }),
  killPod: async () => {},
  getExec: async () => { throw new Error('no exec here'); },
};

test('microTime is RFC 3339 with microseconds, as metav1.MicroTime', () => {
  assert.equal(microTime(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05.678000Z');
});

test('a running kubelet creates its Lease and renews it at the heartbeat interval', async (t) => {
  const api = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', log: () => {} });
  const url = await api.listen(0);
  const client = new RESTClient({ server: url });
  const kubelet = new Kubelet({ client, nodeName: 'node-1', hostIP: '127.0.0.1', runtime: idleRuntime, runtimeVersion: 'test://1',
    heartbeatIntervalMs: 100, log: () => {} });
  t.after(async () => { await kubelet.close(); await api.close(); });
  await kubelet.start();
  const first = await waitFor(() => client.get<Lease>(LEASE).catch(() => undefined), { timeoutMs: 10_000 });
  const node = await client.get<{ metadata: { uid: string } }>('/api/v1/nodes/node-1');
  assert.equal(first.spec?.holderIdentity, 'node-1');
  assert.equal(first.spec?.leaseDurationSeconds, 40);
  assert.deepEqual(first.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: node.metadata.uid }]);
  const renewed = await waitFor(async () => {
    const l = await client.get<Lease>(LEASE);
    return l.spec!.renewTime! > first.spec!.renewTime! ? l : undefined;
  }, { timeoutMs: 10_000 });
  assert.ok(Number(renewed.metadata.resourceVersion) > Number(first.metadata.resourceVersion));
  // Deleted by someone else: the next renewals fail once, then create it again.
  await client.delete(LEASE);
  const again = await waitFor(() => client.get<Lease>(LEASE).catch(() => undefined), { timeoutMs: 10_000 });
  assert.notEqual(again.metadata.uid, first.metadata.uid);
});

test('NodeLease.renew: a conflict is reported, and the next renewal starts from a fresh get', async (t) => {
  const api = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', log: () => {} });
  const url = await api.listen(0);
  t.after(() => api.close());
  const client = new RESTClient({ server: url });
  const lease = new NodeLease(client, 'node-1', new AbortController().signal);
  await lease.renew();
  const cur = await client.get<Lease>(LEASE);
  await client.put(LEASE, { ...cur, spec: { ...cur.spec, holderIdentity: 'someone-else' } });
  await assert.rejects(lease.renew(), /conflict|modified/i);
  await lease.renew();
  assert.equal((await client.get<Lease>(LEASE)).spec?.holderIdentity, 'node-1');
});
