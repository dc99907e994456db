// withImpersonation on its own: what each header asks the authorizer, and the user the request continues as.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { withImpersonation } from '../../../../src/apiserver/auth/filters.ts';
import type { Attributes, Authorizer } from '../../../../src/apiserver/auth/authorizer.ts';
import type { RequestContext } from '../../../../src/apiserver/request-context.ts';

function recorder(allow = (_a: Attributes) => true): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async authorize(a) {
      asked.push(`${a.verb} ${a.apiGroup}/${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.namespace ? `${a.namespace}/` : ''}${a.name}`);
      return { decision: allow(a) ? 'Allow' : 'NoOpinion', reason: '' };
    },
  };
}
const req = (...raw: string[]) => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return { rawHeaders: raw, headers, url: '/api/v1/pods' } as unknown as IncomingMessage;
};
const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };

test('user, groups, uid and extras: each authorized with verb impersonate, then the request runs as that user', async () => {
  const a = recorder();
  const r = req('Impersonate-User', 'alice', 'Impersonate-Group', 'dev', 'Impersonate-Group', 'ops', 'Impersonate-Uid', 'u-1', 'Impersonate-Extra-Scopes', 'view', 'Impersonate-Extra-acme.com%2Fproject', 'p1');
  const ctx: RequestContext = { user: admin, authenticatedUser: admin };
  await withImpersonation(a)(r, ctx);
  assert.deepEqual(a.asked, ['impersonate /users alice', 'impersonate /groups dev', 'impersonate /groups ops',
    'impersonate authentication.k8s.io/userextras/scopes view', 'impersonate authentication.k8s.io/userextras/acme.com/project p1', 'impersonate authentication.k8s.io/uids u-1']);
  assert.deepEqual(ctx.user, { name: 'alice', groups: ['dev', 'ops', 'system:authenticated'], uid: 'u-1', extra: { scopes: ['view'], 'acme.com/project': ['p1'] } });
  assert.deepEqual(ctx.impersonatedUser, ctx.user);
  assert.deepEqual(ctx.authenticatedUser, admin, 'audit still knows who asked');
  assert.deepEqual(Object.keys(r.headers), [], 'the headers are gone');
});

test('a service account gets its groups; system:anonymous stays unauthenticated; system:unauthenticated is not topped up', async () => {
  const sa: RequestContext = { user: admin };
  await withImpersonation(recorder())(req('Impersonate-User', 'system:serviceaccount:kube-system:node-controller'), sa);
  assert.deepEqual(sa.user, { name: 'system:serviceaccount:kube-system:node-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] });
  const anon: RequestContext = { user: admin };
  await withImpersonation(recorder())(req('Impersonate-User', 'system:anonymous'), anon);
  assert.deepEqual(anon.user, { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  const unauth: RequestContext = { user: admin };
  await withImpersonation(recorder())(req('Impersonate-User', 'x', 'Impersonate-Group', 'system:unauthenticated'), unauth);
  assert.deepEqual(unauth.user!.groups, ['system:unauthenticated']);
});

test('refusals: the first thing not allowed is named; groups without a user is an error; no headers, nothing changes', async () => {
  const a = recorder((attrs) => attrs.resource === 'users');
  await assert.rejects(async () => withImpersonation(a)(req('Impersonate-User', 'alice', 'Impersonate-Group', 'system:masters'), { user: { name: 'bob', groups: [] } }),
    { message: 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope' });
  await assert.rejects(async () => withImpersonation(a)(req('Impersonate-Group', 'system:masters'), { user: admin }),
    { message: 'Internal Server Error: "/api/v1/pods": requested Group system:masters without impersonating a user' });
  const ctx: RequestContext = { user: admin };
  await withImpersonation(recorder(() => false))(req('Accept', 'application/json'), ctx);
  assert.deepEqual(ctx.user, admin);
});
