import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleAllows } from '../../../../src/apiserver/rbac/rule.ts';
import type { Attributes } from '../../../../src/apiserver/auth/authorizer.ts';

const user = { name: 'alice', groups: ['system:authenticated'] };
const res = (verb: string, resource: string, subresource = '', name = '', apiGroup = ''): Attributes =>
  ({ user, verb, resourceRequest: true, namespace: 'default', apiGroup, resource, subresource, name });
const path = (verb: string, p: string): Attributes => ({ user, verb, resourceRequest: false, path: p });

test('a subresource is matched as resource/subresource: a rule on pods does not reach pods/exec', () => {
  const pods = { verbs: ['*'], apiGroups: [''], resources: ['pods'] };
  assert.equal(ruleAllows(res('create', 'pods'), pods), true);
  assert.equal(ruleAllows(res('create', 'pods', 'exec', 'web'), pods), false);
  assert.equal(ruleAllows(res('create', 'pods', 'exec', 'web'), { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }), true);
  assert.equal(ruleAllows(res('get', 'pods', 'exec', 'web'), { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }), false);
  assert.equal(ruleAllows(res('create', 'pods', 'exec', 'web'), { verbs: ['create'], apiGroups: [''], resources: ['*/exec'] }), true);
  assert.equal(ruleAllows(res('create', 'pods', 'exec', 'web'), { verbs: ['create'], apiGroups: [''], resources: ['*'] }), true);
});

test('api groups and resource names must match; "*" matches any', () => {
  const rule = { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] };
  assert.equal(ruleAllows(res('get', 'pods'), rule), false);
  assert.equal(ruleAllows(res('get', 'pods', '', '', 'apps'), rule), true);
  assert.equal(ruleAllows(res('get', 'pods', '', '', 'apps'), { ...rule, apiGroups: ['*'] }), true);
  const named = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['web'] };
  assert.equal(ruleAllows(res('get', 'pods', '', 'web'), named), true);
  assert.equal(ruleAllows(res('get', 'pods', '', 'db'), named), false);
  assert.equal(ruleAllows(res('list', 'pods'), named), false, 'a list has no name: resourceNames never allow it');
});

test('non-resource URLs: exact, prefix with a trailing *, and never for resource rules', () => {
  const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
  assert.equal(ruleAllows(path('get', '/healthz'), rule), true);
  assert.equal(ruleAllows(path('get', '/healthz/etcd'), rule), false);
  assert.equal(ruleAllows(path('get', '/apis/rbac.authorization.k8s.io'), rule), true);
  assert.equal(ruleAllows(path('post', '/healthz'), rule), false);
  assert.equal(ruleAllows(res('get', 'pods'), rule), false);
  assert.equal(ruleAllows(path('get', '/healthz'), { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }), false);
});
