import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateClusterRoles, bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../../../../src/apiserver/rbac/bootstrap-policy.ts';
import { ruleAllows } from '../../../../src/apiserver/rbac/rule.ts';
import type { Attributes } from '../../../../src/apiserver/auth/authorizer.ts';
import type { ClusterRole } from '../../../../src/apiserver/rbac/types.ts';

const roles = Object.fromEntries(bootstrapClusterRoles().map((r) => [r.metadata.name!, r]));
const user = { name: 'u', groups: [] };
const allows = (role: string, verb: string, resource: string, subresource = '', apiGroup = '') =>
  (roles[role]!.rules ?? []).some((r) => ruleAllows({ user, verb, resourceRequest: true, namespace: 'default', apiGroup, resource, subresource, name: 'web' } as Attributes, r));

test('pods/exec in the aggregated roles: view has none, edit and admin get and create it, cluster-admin everything', () => {
  const table = ['view', 'edit', 'admin', 'cluster-admin'].map((role) => [role, allows(role, 'get', 'pods', 'exec'), allows(role, 'create', 'pods', 'exec'), allows(role, 'get', 'pods'), allows(role, 'create', 'pods')]);
  assert.deepEqual(table, [
    ['view', false, false, true, false],
    ['edit', true, true, true, true],
    ['admin', true, true, true, true],
    ['cluster-admin', true, true, true, true],
  ]);
  assert.equal(allows('admin', 'create', 'rolebindings', '', 'rbac.authorization.k8s.io'), true, 'admin may grant within its namespace');
  assert.equal(allows('edit', 'create', 'rolebindings', '', 'rbac.authorization.k8s.io'), false);
  assert.equal(allows('view', 'get', 'secrets'), false, 'view reads nothing that escalates');
});

test('the bootstrap bindings: cluster-admin to system:masters; discovery and basic-user to the authenticated; /healthz and /version to all', () => {
  const bindings = Object.fromEntries(bootstrapClusterRoleBindings().map((b) => [b.metadata.name!, b.subjects!.map((s) => `${s.kind}:${s.name}`)]));
  assert.deepEqual(bindings['cluster-admin'], ['Group:system:masters']);
  assert.deepEqual(bindings['system:discovery'], ['Group:system:authenticated']);
  assert.deepEqual(bindings['system:basic-user'], ['Group:system:authenticated']);
  assert.deepEqual(bindings['system:public-info-viewer'], ['Group:system:authenticated', 'Group:system:unauthenticated']);
  for (const b of bootstrapClusterRoleBindings()) assert.ok(roles[b.roleRef.name], `${b.metadata.name} binds a role that exists`);
  assert.deepEqual(roles['system:public-info-viewer']!.rules, [{ verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/'] }]);
});

test('aggregation: chained selectors, rules in name order without duplicates', () => {
  const label = (to: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });
  const r = (name: string, rules: ClusterRole['rules'], labels = {}, from?: string): ClusterRole =>
    ({ metadata: { name, labels }, rules, ...(from ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: label(from) }] } } : {}) });
  const read = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const write = { verbs: ['create'], apiGroups: [''], resources: ['pods'] };
  const out = aggregateClusterRoles([r('big', [], {}, 'big'), r('small', [], label('big'), 'small'), r('b-part', [write], label('small')), r('a-part', [read], label('small')), r('dup', [read], label('big'))]);
  assert.deepEqual(out.find((x) => x.metadata.name === 'small')!.rules, [read, write]);
  assert.deepEqual(out.find((x) => x.metadata.name === 'big')!.rules, [read, write], 'small\'s rules, then dup\'s read (already there)');
});
