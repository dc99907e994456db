// A namespace admin may grant what they hold, and no more: the escalation check on roles and bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSecure } from '../auth/secure-server.ts';
import { covers } from '../../../../src/apiserver/rbac/escalation.ts';

const ref = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
const subjects = (name: string) => [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name }];

test('covers: verbs, groups, resources, "*/sub" and resourceNames', () => {
  const owner = [{ verbs: ['get', 'create'], apiGroups: [''], resources: ['pods', '*/exec'] }, { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }];
  assert.equal(covers(owner, [{ verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]).covered, false, 'a named grant does not cover all names');
  assert.deepEqual(covers(owner, [{ verbs: ['get', 'delete'], apiGroups: ['', 'apps'], resources: ['pods'] }]).missing, [
    { verbs: ['delete'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, { verbs: ['delete'], apiGroups: ['apps'], resources: ['pods'] },
  ]);
});

test('a namespace admin grants edit and pods/exec, but not cluster-admin nor rules they lack; bind or system:masters may', async (t) => {
  const s = await startSecure(t);
  await s.bind('bob-admin', 'bob', 'ClusterRole', 'admin');
  const bob = (path: string, body: object) => s.call('bob-token', 'POST', `${s.rbac}/namespaces/default/${path}`, body);
  assert.equal((await bob('rolebindings', { metadata: { name: 'alice-edit' }, roleRef: ref('ClusterRole', 'edit'), subjects: subjects('alice') })).code, 201);
  assert.equal((await bob('roles', { metadata: { name: 'exec' }, rules: [{ verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }] })).code, 201);

  const root = await bob('rolebindings', { metadata: { name: 'bob-root' }, roleRef: ref('ClusterRole', 'cluster-admin'), subjects: subjects('bob') });
  assert.equal(root.code, 403);
  assert.equal(root.body.message, 'rolebindings.rbac.authorization.k8s.io "bob-root" is forbidden: user "bob" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}');
  const nodes = await bob('roles', { metadata: { name: 'nodes' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] }] });
  assert.equal(nodes.body.message, 'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "bob" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}');
  // A PATCH that widens a role is checked too.
  const widen = await s.call('bob-token', 'PATCH', `${s.rbac}/namespaces/default/roles/exec`, { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(widen.code, 403);

  // `bind` on cluster-admin by name lets bob bind it without holding it.
  await s.admin('POST', `${s.rbac}/clusterroles`, { metadata: { name: 'bind-root' }, rules: [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }] });
  await s.admin('POST', `${s.rbac}/clusterrolebindings`, { metadata: { name: 'bob-bind-root' }, roleRef: ref('ClusterRole', 'bind-root'), subjects: subjects('bob') });
  assert.equal((await bob('rolebindings', { metadata: { name: 'bob-root' }, roleRef: ref('ClusterRole', 'cluster-admin'), subjects: subjects('bob') })).code, 201);
  assert.equal((await s.admin('POST', `${s.rbac}/clusterroles`, { metadata: { name: 'anything' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] })).code, 201, 'system:masters may grant anything');
});
