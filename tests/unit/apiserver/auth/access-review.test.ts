// The access reviews over HTTP: SubjectAccessReview (as the kubelet asks), SelfSubjectAccessReview (kubectl auth can-i),
// LocalSubjectAccessReview, SelfSubjectRulesReview (can-i --list), in JSON and in kubectl's protobuf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSecure } from './secure-server.ts';
import { decodeReviewProtobuf } from '../../../../src/apiserver/auth/review-protobuf.ts';

const authz = '/apis/authorization.k8s.io/v1';
const sar = (spec: object) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
const execAttrs = { namespace: 'default', verb: 'create', resource: 'pods', subresource: 'exec', name: 'web' };

test('SubjectAccessReview: someone else\'s access, answered in .status with RBAC\'s reason; only those allowed may ask', async (t) => {
  const s = await startSecure(t);
  await s.bind('bob-edit', 'bob', 'ClusterRole', 'edit');
  const yes = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ user: 'bob', groups: ['dev'], resourceAttributes: execAttrs }));
  assert.equal(yes.code, 201);
  assert.deepEqual(yes.body.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "bob-edit/default" of ClusterRole "edit" to User "bob"' });
  assert.deepEqual([yes.body.kind, yes.body.apiVersion, yes.body.spec.user, yes.body.metadata.creationTimestamp], ['SubjectAccessReview', 'authorization.k8s.io/v1', 'bob', null]);
  const no = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ user: 'alice', resourceAttributes: execAttrs }));
  assert.deepEqual(no.body.status, { allowed: false });
  // The kubelet's question: nodes/proxy for the API server's own identity (system:kubelet-api-admin is not bound by default).
  const kubelet = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ user: 'system:node:node-1', groups: ['system:nodes'], resourceAttributes: { verb: 'create', resource: 'nodes', subresource: 'proxy', name: 'node-1' } }));
  assert.deepEqual(kubelet.body.status, { allowed: false });
  const masters = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ user: 'x', groups: ['system:masters'], nonResourceAttributes: { path: '/metrics', verb: 'get' } }));
  assert.deepEqual(masters.body.status, { allowed: true }, 'system:masters is allowed before RBAC is asked: no reason');
  // Asking about others is itself authorized: alice may not.
  const alice = await s.call('alice-token', 'POST', `${authz}/subjectaccessreviews`, sar({ user: 'bob', resourceAttributes: execAttrs }));
  assert.deepEqual([alice.code, alice.body.message], [403, 'subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope']);
});

test('SubjectAccessReview validation: exactly one kind of attributes, and a user or a group', async (t) => {
  const s = await startSecure(t);
  const both = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ user: 'bob', resourceAttributes: execAttrs, nonResourceAttributes: { path: '/x', verb: 'get' } }));
  assert.equal(both.code, 422);
  assert.match(both.body.message, /^SubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: .*cannot be specified in combination with resourceAttributes$/);
  const none = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ resourceAttributes: execAttrs }));
  assert.equal(none.body.message, 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
  const wrongKind = await s.admin('POST', `${authz}/subjectaccessreviews`, { apiVersion: 'v1', kind: 'Pod', spec: {} });
  assert.equal(wrongKind.code, 400);
  const typed = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ user: 'bob', groups: 'dev', resourceAttributes: execAttrs }));
  assert.deepEqual([typed.code, typed.body.message], [400, 'SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: json: cannot unmarshal string into Go struct field spec.groups of type []string']);
  const attrs = await s.admin('POST', `${authz}/subjectaccessreviews`, sar({ user: 'bob', resourceAttributes: { verb: 7 } }));
  assert.equal(attrs.code, 400);
  const get = await s.admin('GET', `${authz}/subjectaccessreviews`);
  assert.equal(get.code, 405, 'create only');
});

test('SelfSubjectAccessReview is about whoever asks (impersonated too); SelfSubjectRulesReview lists their rules', async (t) => {
  const s = await startSecure(t);
  await s.bind('alice-view', 'alice', 'ClusterRole', 'view');
  const ssar = (token: string, attrs: object, headers: Record<string, string> = {}) =>
    s.call(token, 'POST', `${authz}/selfsubjectaccessreviews`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } }, headers);
  assert.deepEqual((await ssar('alice-token', { namespace: 'default', verb: 'get', resource: 'pods' })).body.status,
    { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "view" to User "alice"' });
  assert.deepEqual((await ssar('alice-token', execAttrs)).body.status, { allowed: false });
  assert.deepEqual((await ssar('alice-token', { namespace: 'other', verb: 'get', resource: 'pods' })).body.status, { allowed: false }, 'a RoleBinding is for its namespace');
  assert.deepEqual((await ssar('admin-token', execAttrs, { 'Impersonate-User': 'alice' })).body.status, { allowed: false });
  const anon = await s.call(undefined, 'POST', `${authz}/selfsubjectaccessreviews`, { kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: execAttrs } });
  assert.equal(anon.code, 403, 'system:basic-user is for authenticated users');
  const rules = await s.call('alice-token', 'POST', `${authz}/selfsubjectrulesreviews`, { kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
  assert.equal(rules.code, 201);
  assert.equal(rules.body.status.incomplete, false);
  assert.ok(rules.body.status.resourceRules.some((r: any) => r.resources.includes('pods') && r.verbs.includes('list')));
  assert.ok(!rules.body.status.resourceRules.some((r: any) => r.resources.includes('pods/exec')));
  assert.ok(rules.body.status.resourceRules.some((r: any) => r.resources.includes('selfsubjectaccessreviews')), 'system:basic-user, bound to system:authenticated');
  assert.ok(rules.body.status.nonResourceRules.some((r: any) => r.nonResourceURLs.includes('/healthz')));
  const noNs = await s.call('alice-token', 'POST', `${authz}/selfsubjectrulesreviews`, { kind: 'SelfSubjectRulesReview', spec: {} });
  assert.deepEqual([noNs.code, noNs.body.message], [400, 'no namespace on request']);
});

test('LocalSubjectAccessReview: the namespace of the URL and of the attributes must agree', async (t) => {
  const s = await startSecure(t);
  const lsar = (ns: string, attrs: object) => s.admin('POST', `${authz}/namespaces/${ns}/localsubjectaccessreviews`,
    { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'bob', resourceAttributes: attrs } });
  assert.deepEqual((await lsar('default', execAttrs)).body.status, { allowed: false });
  const r = await lsar('default', { ...execAttrs, namespace: 'other' });
  assert.deepEqual([r.code, r.body.message], [400, 'spec.resourceAttributes.namespace must match namespace: default']);
});

// A protobuf field: key (number << 3 | wire type 2) and length, both as one-byte varints here.
const field = (num: number, body: Uint8Array | string) => {
  const b = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return Uint8Array.of((num << 3) | 2, b.length, ...b);
};
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const envelope = (apiVersion: string, kind: string, raw: Uint8Array) =>
  cat(Uint8Array.of(0x6b, 0x38, 0x73, 0x00), field(1, cat(field(1, apiVersion), field(2, kind))), field(2, raw));

test('protobuf: a SelfSubjectAccessReview and a SubjectAccessReview as kubectl encodes them', () => {
  const attrs = cat(field(1, 'default'), field(2, 'create'), field(5, 'pods'), field(6, 'exec'), field(7, 'web'));
  const ssar = decodeReviewProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', cat(field(1, new Uint8Array()), field(2, field(1, attrs)))));
  assert.deepEqual(ssar, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: execAttrs } });
  const extra = field(5, cat(field(1, 'scopes'), field(2, cat(field(1, 'a'), field(1, 'b')))));
  const spec = cat(field(2, cat(field(1, '/healthz'), field(2, 'get'))), field(3, 'bob'), field(4, 'dev'), field(4, 'ops'), extra, field(6, 'u-1'));
  const sar = decodeReviewProtobuf(envelope('authorization.k8s.io/v1', 'SubjectAccessReview', field(2, spec)));
  assert.deepEqual(sar.spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' }, user: 'bob', groups: ['dev', 'ops'], uid: 'u-1', extra: { scopes: ['a', 'b'] } });
  assert.throws(() => decodeReviewProtobuf(Uint8Array.of(1, 2, 3, 4)), /missing the k8s protobuf prefix/);
});

test('garbage in a protobuf review is a 400, and the server goes on answering', async (t) => {
  const s = await startSecure(t);
  for (const body of [Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f), Uint8Array.of(0xff, 0xff), envelope('v1', 'Pod', new Uint8Array())]) {
    const res = await fetch(`${s.url}${authz}/selfsubjectaccessreviews`, { method: 'POST', headers: { Authorization: 'Bearer alice-token', 'Content-Type': 'application/vnd.kubernetes.protobuf' }, body });
    assert.equal(res.status, 400, await res.text());
  }
  assert.equal((await s.call('alice-token', 'GET', '/version')).code, 200);
});

test('TokenReview: whose a token is (for a kubelet authenticating bearer tokens); an unknown one is not authenticated', async (t) => {
  const s = await startSecure(t);
  const tr = (token: string, as = 'admin-token') => s.call(as, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
  const bob = await tr('bob-token');
  assert.equal(bob.code, 201);
  assert.deepEqual(bob.body.status, { authenticated: true, user: { username: 'bob', uid: '3', groups: ['dev', 'system:authenticated'] } });
  assert.deepEqual((await tr('guess')).body.status, { user: {} });
  assert.deepEqual([(await tr('')).code, (await tr('')).body.message], [400, 'token is required for TokenReview in authentication.k8s.io/v1']);
  assert.equal((await tr('bob-token', 'alice-token')).code, 403, 'only those allowed to create tokenreviews may ask');
  const me = await s.call('bob-token', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  assert.deepEqual(me.body.status, { userInfo: { username: 'bob', uid: '3', groups: ['dev', 'system:authenticated'] } });
});
