import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestInfo } from '../../../../src/apiserver/auth/request-info.ts';

const info = (method: string, url: string) => {
  const u = new URL(url, 'http://x');
  return newRequestInfo(method, decodeURIComponent(u.pathname), u.searchParams);
};
const pick = (i: ReturnType<typeof info>) => [i.isResourceRequest, i.verb, i.apiGroup, i.namespace, i.resource, i.subresource, i.name];

test('verbs from methods, and list, watch and deletecollection on collections', () => {
  assert.deepEqual(pick(info('GET', '/api/v1/namespaces/default/pods/web')), [true, 'get', '', 'default', 'pods', '', 'web']);
  assert.deepEqual(pick(info('GET', '/api/v1/namespaces/default/pods')), [true, 'list', '', 'default', 'pods', '', '']);
  assert.deepEqual(pick(info('GET', '/api/v1/namespaces/default/pods?watch=true')), [true, 'watch', '', 'default', 'pods', '', '']);
  assert.deepEqual(pick(info('GET', '/api/v1/namespaces/default/pods?watch=0')), [true, 'list', '', 'default', 'pods', '', '']);
  assert.deepEqual(pick(info('GET', '/api/v1/pods')), [true, 'list', '', '', 'pods', '', '']);
  assert.deepEqual(pick(info('POST', '/api/v1/namespaces/default/pods')), [true, 'create', '', 'default', 'pods', '', '']);
  assert.deepEqual(pick(info('PUT', '/api/v1/nodes/node-1/status')), [true, 'update', '', '', 'nodes', 'status', 'node-1']);
  assert.deepEqual(pick(info('PATCH', '/api/v1/nodes/node-1')), [true, 'patch', '', '', 'nodes', '', 'node-1']);
  assert.deepEqual(pick(info('DELETE', '/api/v1/namespaces/default/pods/web')), [true, 'delete', '', 'default', 'pods', '', 'web']);
  assert.deepEqual(pick(info('DELETE', '/api/v1/namespaces/default/pods')), [true, 'deletecollection', '', 'default', 'pods', '', '']);
  assert.deepEqual(pick(info('HEAD', '/api/v1/namespaces/default/pods/web')), [true, 'get', '', 'default', 'pods', '', 'web']);
});

test('exec: the WebSocket GET is get, the SPDY POST is create, both on pods/exec', () => {
  assert.deepEqual(pick(info('GET', '/api/v1/namespaces/default/pods/web/exec?command=date&stdout=true')), [true, 'get', '', 'default', 'pods', 'exec', 'web']);
  assert.deepEqual(pick(info('POST', '/api/v1/namespaces/default/pods/web/exec?command=date')), [true, 'create', '', 'default', 'pods', 'exec', 'web']);
});

test('named groups, namespaces themselves, and their status subresource', () => {
  assert.deepEqual(pick(info('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings')), [true, 'create', 'rbac.authorization.k8s.io', 'dev', 'rolebindings', '', '']);
  assert.deepEqual(pick(info('GET', '/api/v1/namespaces/dev')), [true, 'get', '', 'dev', 'namespaces', '', 'dev']);
  assert.deepEqual(pick(info('PUT', '/api/v1/namespaces/dev/status')), [true, 'update', '', 'dev', 'namespaces', 'status', 'dev']);
  assert.deepEqual(pick(info('GET', '/api/v1/namespaces')), [true, 'list', '', '', 'namespaces', '', '']);
});

test('discovery and other paths are non-resource requests with the method as verb', () => {
  for (const path of ['/api', '/api/v1', '/apis', '/apis/rbac.authorization.k8s.io', '/apis/rbac.authorization.k8s.io/v1', '/healthz', '/version', '/openapi/v3']) {
    const i = info('GET', path);
    assert.deepEqual([i.isResourceRequest, i.verb, i.path], [false, 'get', path], path);
  }
  assert.deepEqual([info('POST', '/healthz').verb, info('POST', '/healthz').isResourceRequest], ['post', false]);
});

test('a fieldSelector on metadata.name names the object a list asks for; the deprecated /watch/ prefix is the verb', () => {
  assert.equal(info('GET', '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb').name, 'web');
  assert.equal(info('GET', '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb,status.phase%3DRunning').name, '');
  assert.deepEqual(pick(info('GET', '/api/v1/watch/namespaces/default/pods')), [true, 'watch', '', 'default', 'pods', '', '']);
});
