// The bindings kubeadm adds after the API server's own bootstrap policy (cmd/kubeadm/app/phases/kubeconfig and
// bootstraptoken/clusterinfo): admin.conf's group is cluster-admin; and ours, because our scheduler process also
// runs the node lifecycle controller, which upstream runs in kube-controller-manager as its own service account.
import { StatusError } from '../../api/status.ts';
import type { APIServerExtension } from '../../apiserver/server.ts';
import type { KObject } from '../../apiserver/registry/strategy.ts';

const rbac = 'rbac.authorization.k8s.io';
const binding = (name: string, role: string, subject: { kind: 'Group' | 'User'; name: string }): KObject => ({
  apiVersion: `${rbac}/v1`, kind: 'ClusterRoleBinding', metadata: { name },
  roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
  subjects: [{ ...subject, apiGroup: rbac }],
} as unknown as KObject);

// #region kubeadm-bindings
export const kubeadmBindings: APIServerExtension = {
  install: (api) => ({
    postStartHooks: [async () => {
      const store = api.store(`${rbac}/v1`, 'clusterrolebindings');
      for (const b of [
        // kubeadm 1.29+: admin.conf is O=kubeadm:cluster-admins, bound here (and revocable, unlike system:masters).
        // The API server's kubelet client certificate carries the same group.
        binding('kubeadm:cluster-admins', 'cluster-admin', { kind: 'Group', name: 'kubeadm:cluster-admins' }),
        binding('workbook:scheduler-node-lifecycle', 'system:controller:node-controller', { kind: 'User', name: 'system:kube-scheduler' }),
      ]) {
        await store.create(undefined, b).catch((err) => { if (!(err instanceof StatusError && err.code === 409)) throw err; });
      }
    }],
  }),
};
// #endregion kubeadm-bindings
