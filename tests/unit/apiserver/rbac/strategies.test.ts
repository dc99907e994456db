// The four RBAC resources served like any other: names with colons, validation in the real words, roleRef fixed,
// Table output for kubectl get, and kubectl's protobuf bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSecure } from '../auth/secure-server.ts';
import { decodeRBACProtobuf } from '../../../../src/apiserver/rbac/protobuf.ts';

test('bootstrap roles are served; a role\'s name may hold colons; a missing namespace is 404', async (t) => {
  const s = await startSecure(t);
  const r = await s.admin('GET', `${s.rbac}/clusterroles/system:discovery`);
  assert.equal(r.code, 200);
  assert.deepEqual(r.body.metadata.labels, { 'kubernetes.io/bootstrapping': 'rbac-defaults' });
  const list = await s.admin('GET', `${s.rbac}/clusterrolebindings`);
  assert.ok(list.body.items.some((b: any) => b.metadata.name === 'cluster-admin' && b.subjects[0].name === 'system:masters'));
  const missing = await s.admin('POST', `${s.rbac}/namespaces/nowhere/roles`, { metadata: { name: 'x' }, rules: [] });
  assert.deepEqual([missing.code, missing.body.message], [404, 'namespaces "nowhere" not found']);
  assert.equal((await s.admin('GET', `${s.rbac}/clusterroles/a%2Fb`)).code, 404);
});

test('validation: rules need verbs, groups and resources (or URLs, cluster-wide only); bindings need a known kind and role', async (t) => {
  const s = await startSecure(t);
  const role = await s.admin('POST', `${s.rbac}/namespaces/default/roles`, { metadata: { name: 'bad' }, rules: [{ verbs: [], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'] }] });
  assert.equal(role.code, 422);
  assert.equal(role.body.message, 'Role "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[1].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs]');
  const binding = await s.admin('POST', `${s.rbac}/clusterrolebindings`, { metadata: { name: 'bad' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'Robot', name: 'r2' }] });
  assert.equal(binding.body.message, 'ClusterRoleBinding "bad" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]');
  const ok = await s.admin('POST', `${s.rbac}/namespaces/default/rolebindings`, { metadata: { name: 'good' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }] });
  assert.equal(ok.code, 201);
  assert.deepEqual([ok.body.roleRef.apiGroup, ok.body.subjects[0].apiGroup], ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io'], 'defaulted');
  const moved = await s.admin('PUT', `${s.rbac}/namespaces/default/rolebindings/good`, { ...ok.body, roleRef: { ...ok.body.roleRef, name: 'edit' } });
  assert.deepEqual([moved.code, moved.body.message], [422, 'RoleBinding "good" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef']);
});

test('a field of the wrong type is refused as Go\'s decoder refuses it, and nothing stored can break the evaluator', async (t) => {
  const s = await startSecure(t);
  const role = await s.admin('POST', `${s.rbac}/namespaces/default/roles`, { metadata: { name: 'odd' }, rules: [{ verbs: 'get', apiGroups: [''], resources: ['pods'] }] });
  assert.deepEqual([role.code, role.body.message], [400, 'Role in version "v1" cannot be handled as a Role: json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string']);
  const binding = await s.admin('POST', `${s.rbac}/clusterrolebindings`, { metadata: { name: 'odd' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 5 }] });
  assert.equal(binding.code, 400);
  const noRef = await s.admin('POST', `${s.rbac}/clusterrolebindings`, { metadata: { name: 'odd' } });
  assert.equal(noRef.body.message, 'ClusterRoleBinding "odd" is invalid: [roleRef.kind: Unsupported value: "": supported values: "ClusterRole", roleRef.name: Required value]');
  await s.bind('alice-view', 'alice', 'ClusterRole', 'view');
  const patched = await s.call('admin-token', 'PATCH', `${s.rbac}/clusterroles/view`, { rules: [{ verbs: { a: 1 } }] }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.code, 400);
  assert.equal((await s.call('alice-token', 'GET', '/api/v1/namespaces/default/pods')).code, 200, 'alice is still served');
});

test('Table output: roles with Created At, bindings with their Role and, wide, their subjects', async (t) => {
  const s = await startSecure(t);
  await s.bind('alice-view', 'alice', 'ClusterRole', 'view');
  const res = await fetch(`${s.url}${s.rbac}/namespaces/default/rolebindings`, { headers: { Authorization: 'Bearer admin-token', Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const table = await res.json() as any;
  assert.deepEqual(table.columnDefinitions.map((c: any) => [c.name, c.priority]), [['Name', 0], ['Role', 0], ['Age', 0], ['Users', 1], ['Groups', 1], ['ServiceAccounts', 1]]);
  assert.deepEqual([table.rows[0].cells[0], table.rows[0].cells[1], table.rows[0].cells[3]], ['alice-view', 'ClusterRole/view', 'alice']);
});

// kubectl create rolebinding's body: field numbers of rbac/v1 RoleBinding, Subject and RoleRef.
const field = (num: number, body: Uint8Array | string) => {
  const b = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return Uint8Array.of((num << 3) | 2, b.length, ...b);
};
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

test('protobuf: a RoleBinding and a Role as kubectl create sends them', () => {
  const envelope = (kind: string, raw: Uint8Array) => cat(Uint8Array.of(0x6b, 0x38, 0x73, 0x00), field(1, cat(field(1, 'rbac.authorization.k8s.io/v1'), field(2, kind))), field(2, raw));
  const binding = cat(field(1, cat(field(1, 'bob-exec'), field(3, 'default'))),
    field(2, cat(field(1, 'User'), field(2, 'rbac.authorization.k8s.io'), field(3, 'bob'))),
    field(3, cat(field(1, 'rbac.authorization.k8s.io'), field(2, 'Role'), field(3, 'exec-web'))));
  assert.deepEqual(decodeRBACProtobuf(envelope('RoleBinding', binding)), {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bob-exec', namespace: 'default' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exec-web' },
  });
  const rule = cat(field(1, 'get'), field(1, 'create'), field(2, ''), field(3, 'pods/exec'), field(4, 'web'));
  assert.deepEqual(decodeRBACProtobuf(envelope('Role', cat(field(1, field(1, 'exec-web')), field(2, rule)))).rules,
    [{ verbs: ['get', 'create'], apiGroups: [''], resources: ['pods/exec'], resourceNames: ['web'] }]);
});
