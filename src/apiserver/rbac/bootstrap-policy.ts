// The roles and bindings every cluster starts with, as the rbac/bootstrap-roles post-start hook writes them
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go: ClusterRoles, ClusterRoleBindings), with the
// aggregated admin/edit/view filled in from their system:aggregate-to-* parts (the clusterrole-aggregation controller).
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from './types.ts';
import { GroupName } from './types.ts';
import { AllAuthenticated, AllUnauthenticated, SystemPrivilegedGroup } from '../auth/user.ts';
import { aggregatedRules } from './aggregation-controller.ts';

const Read = ['get', 'list', 'watch'];
const Write = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const ReadWrite = [...Read, ...Write];

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule =>
  ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

const bootstrapping = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const autoupdate = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
const aggregateTo = (role: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' });

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): ClusterRole {
  return {
    metadata: { name, labels: { ...bootstrapping, ...labels }, annotations: { ...autoupdate } },
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregateTo(aggregateFrom) }] } } : {}),
    rules,
  };
}

// #region bootstrap-roles
// admin, edit and view hold no rules of their own: they gather those of the roles labelled to aggregate to them.
const userFacingRoles = (): ClusterRole[] => [
  clusterRole('admin', [], {}, 'admin'),
  clusterRole('edit', [], aggregateTo('admin'), 'edit'),
  clusterRole('view', [], aggregateTo('edit'), 'view'),
];
// What system:aggregate-to-edit gives edit (and so admin) over pods, among its other rules. Reading these is not
// harmless: a WebSocket exec was a GET, so `get pods/exec` once meant running commands.
const editReadsPods = (): PolicyRule => rule(Read, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']);
const editWritesPods = (): PolicyRule => rule(Write, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']);
// #endregion bootstrap-roles

export function bootstrapClusterRoles(): ClusterRole[] {
  const roles = [
    // The root role: anything, anywhere, and every non-resource path.
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    // Just enough to find out whether the server is up and which APIs it serves.
    clusterRole('system:discovery', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
    // What any signed-in user may ask about themselves (kubectl auth can-i, kubectl auth whoami).
    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    // Readable by anyone, signed in or not.
    clusterRole('system:public-info-viewer', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
    ...userFacingRoles(),
    clusterRole('system:aggregate-to-admin', [
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      rule(ReadWrite, [GroupName], ['roles', 'rolebindings']),
    ], aggregateTo('admin')),
    clusterRole('system:aggregate-to-edit', [
      editReadsPods(),
      rule(['impersonate'], [''], ['serviceaccounts']),
      editWritesPods(),
      rule(['create'], [''], ['pods/eviction']),
      rule(Write, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(Write, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
      rule(Write, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(Write, ['batch'], ['jobs', 'cronjobs']),
      rule(Write, ['policy'], ['poddisruptionbudgets']),
      rule(Write, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
      rule(Write, ['coordination.k8s.io'], ['leases']),
    ], aggregateTo('edit')),
    clusterRole('system:aggregate-to-view', [
      rule(Read, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
      rule(Read, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
      // Reading namespaces here means reading this namespace: a hint of where one has access.
      rule(Read, [''], ['namespaces']),
      rule(Read, ['discovery.k8s.io'], ['endpointslices']),
      rule(Read, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
      rule(Read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(Read, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(Read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(Read, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
      rule(Read, ['events.k8s.io'], ['events']),
      rule(Read, ['coordination.k8s.io'], ['leases']),
    ], aggregateTo('view')),
    // What a kubelet needs (NodeRules): its Node and its status, its Lease, the pods bound to it and their status,
    // events, and access reviews to guard its own API.
    clusterRole('system:node', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
      rule(Read, [''], ['services']),
      rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      rule(['update', 'patch'], [''], ['nodes/status']),
      rule(['update', 'patch'], [''], ['nodes']),
      rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']),
      rule(Read, [''], ['pods']),
      rule(['create', 'delete'], [''], ['pods']),
      rule(['update', 'patch'], [''], ['pods/status']),
      rule(['create'], [''], ['pods/eviction']),
      rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
    ]),
    // Full access to the kubelet's API, for a cluster to bind to the API server's kubelet client identity. Nothing
    // binds it by default; kubeadm's client certificate is in kubeadm:cluster-admins, which has cluster-admin.
    clusterRole('system:kubelet-api-admin', [
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      rule(['proxy'], [''], ['nodes']),
      rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/spec', 'nodes/stats', 'nodes/log', 'nodes/pods', 'nodes/healthz', 'nodes/configz']),
    ]),
    // Delegated authentication and authorization: who may ask the API server about someone else's access.
    clusterRole('system:auth-delegator', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]),
    clusterRole('system:kube-scheduler', [
      rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']),
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(Read, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(Read, [''], ['services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes', 'namespaces']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]),
    // The node lifecycle controller (controller_policy.go; our scheduler process runs it): marks silent nodes
    // NotReady and evicts their pods.
    clusterRole('system:controller:node-controller', [
      rule(['get', 'list', 'update', 'delete', 'patch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['list', 'get', 'delete'], [''], ['pods']),
      rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']),
    ]),
  ];
  return aggregateClusterRoles(roles);
}

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: GroupName, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: GroupName, name });

function binding(role: string, subjects: Subject[]): ClusterRoleBinding {
  return { metadata: { name: role, labels: { ...bootstrapping }, annotations: { ...autoupdate } }, roleRef: { apiGroup: GroupName, kind: 'ClusterRole', name: role }, subjects };
}

// #region bootstrap-bindings
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    binding('cluster-admin', [group(SystemPrivilegedGroup)]),
    binding('system:discovery', [group(AllAuthenticated)]),
    binding('system:basic-user', [group(AllAuthenticated)]),
    // Anonymous requests may read /healthz and /version, and nothing else.
    binding('system:public-info-viewer', [group(AllAuthenticated), group(AllUnauthenticated)]),
    binding('system:kube-scheduler', [user('system:kube-scheduler')]),
    // Upstream leaves this binding without subjects: the Node authorizer evaluates these same rules for node
    // identities (system:node:<name> in system:nodes), plus a graph for the secrets and volumes of their pods, and the
    // NodeRestriction admission plugin keeps each kubelet to its own Node, Lease and pods. Without either here, the
    // group is bound: any kubelet may write any node's objects (as before 1.7).
    binding('system:node', [group('system:nodes')]),
    // Controllers run as service accounts of kube-system (kube-controller-manager --use-service-account-credentials).
    binding('system:controller:node-controller', [{ kind: 'ServiceAccount', name: 'node-controller', namespace: 'kube-system' }]),
  ];
}
// #endregion bootstrap-bindings

// The clusterrole-aggregation controller's work, done once on the bootstrap roles (so they are whole from the first
// request); the controller (aggregation-controller.ts) keeps them so. Chained (view is part of edit, edit of admin)
// by repeating until nothing changes.
export function aggregateClusterRoles(roles: ClusterRole[]): ClusterRole[] {
  for (let changed = true, rounds = 0; changed && rounds < 10; rounds++) {
    changed = false;
    for (const target of roles.filter((r) => r.aggregationRule)) {
      const rules = aggregatedRules(target, roles);
      if (JSON.stringify(rules) !== JSON.stringify(target.rules ?? [])) { target.rules = rules; changed = true; }
    }
  }
  return roles;
}
