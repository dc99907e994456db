// Who may exec: anonymous, alice (view), bob (edit), carol (a Role with only `get` on pods/exec) and an admin in
// system:masters, each trying exec over the WebSocket GET and the SPDY POST, get pod, create pod and impersonation,
// against the API server's real handler chain, with the real server's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSecure, upgrade } from './secure-server.ts';

const execPath = '/api/v1/namespaces/default/pods/web/exec?command=date&stdout=true';
const cannot = (user: string, verb: string, resource: string) =>
  `pods${resource === 'pods' && verb === 'create' ? '' : ' "web"'} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "" in the namespace "default"`;

async function setup(t: import('node:test').TestContext) {
  const s = await startSecure(t);
  await s.createPod('web');
  await s.bind('alice-view', 'alice', 'ClusterRole', 'view');
  await s.bind('bob-edit', 'bob', 'ClusterRole', 'edit');
  const r = await s.admin('POST', `${s.rbac}/namespaces/default/roles`, {
    metadata: { name: 'exec-get-only' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/exec'] }],
  });
  assert.equal(r.code, 201, JSON.stringify(r.body));
  await s.bind('carol-exec-get', 'carol', 'Role', 'exec-get-only');
  return s;
}

test('RBAC matrix: exec over WebSocket GET and SPDY POST, get and create pods, with the real Forbidden messages', async (t) => {
  const s = await setup(t);
  const tokens: Record<string, string | undefined> = { 'system:anonymous': undefined, alice: 'alice-token', bob: 'bob-token', carol: 'carol-token', admin: 'admin-token' };
  const pod = { metadata: { name: 'new' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } };
  const results: Record<string, unknown[]> = {};
  for (const [user, token] of Object.entries(tokens)) {
    const ws = await upgrade(s.url, execPath, 'websocket', token);
    const spdy = await upgrade(s.url, execPath, 'spdy', token);
    const get = await s.call(token, 'GET', '/api/v1/namespaces/default/pods/web');
    const create = await s.call(token, 'POST', '/api/v1/namespaces/default/pods', { ...pod, metadata: { name: `new-${user.replace(/:/g, '-')}` } });
    const message = (r: { code: number; body: any }) => (r.code < 300 ? r.code : `${r.code} ${typeof r.body === 'string' ? JSON.parse(r.body).message : r.body.message}`);
    results[user] = [message(ws), message(spdy), message(get), message(create)];
  }
  assert.deepEqual(results, {
    'system:anonymous': [`403 ${cannot('system:anonymous', 'get', 'pods/exec')}`, `403 ${cannot('system:anonymous', 'create', 'pods/exec')}`,
      `403 ${cannot('system:anonymous', 'get', 'pods')}`, `403 ${cannot('system:anonymous', 'create', 'pods')}`],
    alice: [`403 ${cannot('alice', 'get', 'pods/exec')}`, `403 ${cannot('alice', 'create', 'pods/exec')}`, 200, `403 ${cannot('alice', 'create', 'pods')}`],
    bob: [101, 101, 200, 201],
    // `get` on pods/exec passes the filter for the WebSocket GET, and the synthetic `create` check refuses it, with
    // upstream's words: the authorizer's reason alone, which RBAC leaves empty.
    carol: ['403 pods "web" is forbidden: ', `403 ${cannot('carol', 'create', 'pods/exec')}`, 200, `403 ${cannot('carol', 'create', 'pods')}`],
    admin: [101, 101, 200, 201],
  });
  assert.deepEqual(s.backend.calls, ['GET', 'POST', 'GET', 'POST'], 'only bob and the admin reached the exec backend');
});

test('without the create check (the gate off), `get pods/exec` was enough for the WebSocket GET: the hole k8s#133515 closed', async (t) => {
  const s = await startSecure(t, { websocketUpgradeCreate: false });
  await s.createPod('web');
  await s.admin('POST', `${s.rbac}/namespaces/default/roles`, { metadata: { name: 'exec-get-only' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods/exec'] }] });
  await s.bind('carol-exec-get', 'carol', 'Role', 'exec-get-only');
  assert.equal((await upgrade(s.url, execPath, 'websocket', 'carol-token')).code, 101);
  assert.equal((await upgrade(s.url, execPath, 'spdy', 'carol-token')).code, 403);
});

test('a token nobody issued is 401 Unauthorized, not an anonymous request; a bad token on an upgrade too', async (t) => {
  const s = await startSecure(t);
  const r = await s.call('not-a-token', 'GET', '/version');
  assert.deepEqual([r.code, r.body], [401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }]);
  assert.equal((await s.call(undefined, 'GET', '/version')).code, 200, 'anonymous may read /version');
  assert.equal((await s.call(undefined, 'GET', '/healthz')).code, 200);
  assert.equal((await s.call(undefined, 'GET', '/api')).code, 403, 'discovery is for authenticated users only');
  assert.equal((await s.call(undefined, 'GET', '/api')).body.message, 'forbidden: User "system:anonymous" cannot get path "/api"');
  assert.equal((await s.call('alice-token', 'GET', '/api')).code, 200);
  assert.equal((await upgrade(s.url, execPath, 'websocket', 'not-a-token')).code, 401);
});

test('anonymous off: a request without credentials is 401', async (t) => {
  const s = await startSecure(t, { anonymous: false });
  assert.equal((await s.call(undefined, 'GET', '/healthz')).code, 401);
  assert.equal((await s.call('alice-token', 'GET', '/healthz')).code, 200);
});

test('impersonation needs the impersonate verb on users (and groups); the request then runs as the impersonated user', async (t) => {
  const s = await setup(t);
  const as = (token: string, user: string, groups: string[] = []) => s.call(token, 'GET', '/api/v1/namespaces/default/pods/web', undefined,
    { 'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups.join(', ') } : {}) });
  const alice = await as('alice-token', 'bob');
  assert.deepEqual([alice.code, alice.body.message], [403, 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope']);
  assert.deepEqual([alice.body.details.kind, alice.body.details.name], ['users', 'bob']);
  const bob = await as('bob-token', 'alice');
  assert.equal(bob.code, 403, 'edit impersonates service accounts only');
  assert.equal((await as('admin-token', 'alice')).code, 200);
  // As someone with no rights, the admin is refused what that user is refused.
  const nobody = await as('admin-token', 'nobody');
  assert.deepEqual([nobody.code, nobody.body.message], [403, 'pods "web" is forbidden: User "nobody" cannot get resource "pods" in API group "" in the namespace "default"']);
  // A group can be impersonated too, and grants what it is bound to.
  assert.equal((await as('admin-token', 'nobody', ['system:masters'])).code, 200);
  // Granting impersonation of one user by name.
  await s.admin('POST', `${s.rbac}/clusterroles`, { metadata: { name: 'impersonate-alice' }, rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['alice'] }] });
  await s.admin('POST', `${s.rbac}/clusterrolebindings`, { metadata: { name: 'bob-as-alice' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'impersonate-alice' }, subjects: [{ kind: 'User', name: 'bob' }] });
  assert.equal((await as('bob-token', 'alice')).code, 200);
  const asCarol = await as('bob-token', 'carol');
  assert.equal(asCarol.body.message, 'users "carol" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
  // Impersonating a group needs `impersonate groups`, which bob was not given.
  const g = await as('bob-token', 'alice', ['system:masters']);
  assert.equal(g.body.message, 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope');
});

test('a binding to a role that does not exist: the refusal names it (RBAC: … not found)', async (t) => {
  const s = await startSecure(t);
  await s.createPod('web');
  await s.bind('dangling', 'alice', 'Role', 'missing');
  const r = await s.call('alice-token', 'GET', '/api/v1/namespaces/default/pods/web');
  assert.equal(r.body.message, `${cannot('alice', 'get', 'pods')}: RBAC: role.rbac.authorization.k8s.io "missing" not found`);
});
