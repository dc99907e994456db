// nodeAuthorizerAttributesGetter's table: verb from method, nodes/<subresource> from path, fine-grained /pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenMessage, nodeRequestAttributes } from '../../../../src/kubelet/auth/attributes.ts';

const alice = { name: 'alice', groups: ['dev'] };
const sub = (method: string, path: string, fine = false) => nodeRequestAttributes(alice, method, path, 'node-1', fine).map((a) => `${a.verb} nodes/${a.subresource}`);

test('exec, run, attach, portForward, containerLogs, pods: a verb on nodes/proxy; stats, metrics, logs, checkpoint their own', () => {
  assert.deepEqual(sub('GET', '/exec/default/web/app'), ['get nodes/proxy']);
  assert.deepEqual(sub('POST', '/exec/default/web/app'), ['create nodes/proxy']);
  assert.deepEqual(sub('POST', '/run/default/web/app'), ['create nodes/proxy']);
  assert.deepEqual(sub('POST', '/attach/default/web/app'), ['create nodes/proxy']);
  assert.deepEqual(sub('GET', '/portForward/default/web'), ['get nodes/proxy']);
  assert.deepEqual(sub('GET', '/pods'), ['get nodes/proxy']);
  assert.deepEqual(sub('GET', '/healthz'), ['get nodes/proxy']);
  assert.deepEqual(sub('GET', '/metrics'), ['get nodes/metrics']);
  assert.deepEqual(sub('GET', '/metrics/cadvisor'), ['get nodes/metrics']);
  assert.deepEqual(sub('GET', '/stats/summary'), ['get nodes/stats']);
  assert.deepEqual(sub('GET', '/statsfoo'), ['get nodes/proxy'], 'a subpath, not a prefix');
  assert.deepEqual(sub('GET', '/logs/syslog'), ['get nodes/log']);
  assert.deepEqual(sub('POST', '/checkpoint/default/web/app'), ['create nodes/checkpoint']);
  assert.deepEqual(sub('PUT', '/x'), ['update nodes/proxy']);
  assert.deepEqual(sub('PATCH', '/x'), ['patch nodes/proxy']);
  assert.deepEqual(sub('DELETE', '/x'), ['delete nodes/proxy']);
  assert.deepEqual(sub('OPTIONS', '/x'), [' nodes/proxy'], 'no verb: no rule can allow it');
});

test('KubeletFineGrainedAuthz: /pods and /healthz ask for a narrower subresource first, then proxy', () => {
  assert.deepEqual(sub('GET', '/pods', true), ['get nodes/pods', 'get nodes/proxy']);
  assert.deepEqual(sub('GET', '/runningpods/', true), ['get nodes/pods', 'get nodes/proxy']);
  assert.deepEqual(sub('GET', '/healthz', true), ['get nodes/healthz', 'get nodes/proxy']);
  assert.deepEqual(sub('POST', '/exec/default/web/app', true), ['create nodes/proxy']);
  assert.equal(forbiddenMessage(nodeRequestAttributes(alice, 'GET', '/pods', 'node-1', true)),
    'Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[pods proxy])\n');
});
