// makeEnvironmentVariables: literal values, $(VAR) expansion, the downward API's fieldRef, unsupported sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerEnv, expand, podFieldValue } from '../../../src/kubelet/env.ts';
import type { Pod } from '../../../src/api/types.ts';

const facts = { hostIP: '10.0.0.1', podIP: '10.1.0.7' };
const pod: Pod = {
  metadata: { name: 'web', namespace: 'team', uid: 'u-1', labels: { app: 'shop' }, annotations: { 'a/b': 'c' } },
  spec: { nodeName: 'node-2', serviceAccountName: 'default', containers: [{ name: 'web', image: 'nginx' }] },
};

test('fieldRef reads the pod: names, node, IPs, a label or annotation by key', () => {
  const cases: [string, string][] = [['metadata.name', 'web'], ['metadata.namespace', 'team'], ['metadata.uid', 'u-1'],
    ['spec.nodeName', 'node-2'], ['spec.serviceAccountName', 'default'], ['status.hostIP', '10.0.0.1'], ['status.podIP', '10.1.0.7'],
    ["metadata.labels['app']", 'shop'], ["metadata.annotations['a/b']", 'c'], ["metadata.labels['none']", '']];
  for (const [path, want] of cases) assert.equal(podFieldValue(pod, path, facts), want, path);
  assert.throws(() => podFieldValue(pod, 'spec.containers', facts), /unsupported fieldPath: spec.containers/);
});

test('$(VAR) expands earlier variables only; $$ is a literal $', () => {
  const defined = new Map([['A', 'x']]);
  assert.equal(expand('$(A)-$(B)-$$(A)-$$', defined), 'x-$(B)-$(A)-$');
});

test('containerEnv keeps spec order, resolves fieldRef, refuses sources the workbook has no objects for', () => {
  const c = { name: 'web', image: 'nginx', env: [
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'WHERE', value: 'on $(NODE_NAME)' },
  ] };
  assert.deepEqual(containerEnv(pod, c, facts), [['NODE_NAME', 'node-2'], ['WHERE', 'on node-2']]);
  assert.throws(() => containerEnv(pod, { ...c, env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }, facts),
    /env X: valueFrom.configMapKeyRef is not served/);
});
