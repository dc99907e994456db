import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPodDefaults, podQOSClass, podStrategy, validatePodSpec } from '../../../../src/apiserver/registry/pods.ts';
import type { Pod } from '../../../../src/api/types.ts';

const mk = (containers: Pod['spec']['containers'], extra: Partial<Pod['spec']> = {}): Pod => {
  const p: Pod = { metadata: { name: 'p', namespace: 'default' }, spec: { containers, ...extra } };
  applyPodDefaults(p);
  return p;
};
const messages = (p: Pod) => validatePodSpec(p).map((e) => `${e.field}: ${e.message}`);

test('imagePullPolicy follows the tag: latest or none is Always, anything else IfNotPresent', () => {
  const p = mk([{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx:latest' }, { name: 'c', image: 'reg:5000/x/nginx:1.27' }, { name: 'd', image: 'nginx@sha256:abc' }]);
  assert.deepEqual(p.spec.containers.map((c) => c.imagePullPolicy), ['Always', 'Always', 'IfNotPresent', 'IfNotPresent']);
  assert.equal(p.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  assert.equal(p.spec.containers[0].terminationMessagePolicy, 'File');
  assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
});

test('validation: containers required, names DNS labels and unique, images required, known restart policy', () => {
  assert.deepEqual(messages(mk([])), ['spec.containers: Required value']);
  assert.deepEqual(messages(mk([{ name: 'a' }])), ['spec.containers[0].image: Required value']);
  assert.deepEqual(messages(mk([{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }])), ['spec.containers[1].name: Duplicate value: "a"']);
  assert.match(messages(mk([{ name: 'Web', image: 'x' }]))[0], /^spec\.containers\[0\]\.name: Invalid value: "Web": a lowercase RFC 1123 label/);
  assert.deepEqual(messages(mk([{ name: 'a', image: 'x' }], { restartPolicy: 'Sometimes' as 'Always' })),
    ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']);
});

test('QoS class: nothing set is BestEffort, equal requests and limits Guaranteed, otherwise Burstable', () => {
  assert.equal(podQOSClass(mk([{ name: 'a', image: 'x' }])), 'BestEffort');
  assert.equal(podQOSClass(mk([{ name: 'a', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } }])), 'Guaranteed');
  assert.equal(podQOSClass(mk([{ name: 'a', image: 'x', resources: { requests: { cpu: '1' } } }])), 'Burstable');
});

test('status from the client is replaced on create, kept from the old object on update', () => {
  const p = mk([{ name: 'a', image: 'x' }]);
  p.status = { phase: 'Running' };
  podStrategy.prepareForCreate(p);
  assert.equal(p.status.phase, 'Pending');
  const next = structuredClone(p);
  next.status = { phase: 'Failed' };
  podStrategy.prepareForUpdate(next, p);
  assert.equal(next.status?.phase, 'Pending');
});

test('selectable fields include the ones kubelets and kubectl filter on', () => {
  const p = mk([{ name: 'a', image: 'x' }], { nodeName: 'node-1' });
  p.status = { phase: 'Running' };
  const f = podStrategy.selectableFields(p);
  assert.deepEqual([f['metadata.name'], f['metadata.namespace'], f['spec.nodeName'], f['status.phase']], ['p', 'default', 'node-1', 'Running']);
  for (const k of Object.keys(f)) assert.ok(podStrategy.fieldLabels.includes(k), k);
});

test('validation: an env fieldRef names a field the downward API offers', () => {
  const env = (fieldPath: string) => mk([{ name: 'a', image: 'x', env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath } } }] }]);
  assert.deepEqual(messages(env('spec.nodeName')), []);
  assert.deepEqual(messages(env("metadata.labels['app']")), []);
  assert.match(messages(env('spec.containers'))[0]!, /^spec\.containers\[0\]\.env\[0\]\.valueFrom\.fieldRef\.fieldPath: Unsupported value: "spec\.containers": supported values: "metadata\.name"/);
});

test('validation: securityContext ids are 0 to 2^31-1, with the pod\'s and each container\'s field paths', () => {
  const range = 'must be between 0 and 2147483647, inclusive';
  assert.deepEqual(messages(mk([{ name: 'a', image: 'x' }], { securityContext: { runAsUser: 1000, runAsGroup: 0, supplementalGroups: [0, 2147483647], fsGroup: 2000 } })), []);
  assert.deepEqual(messages(mk([{ name: 'a', image: 'x', securityContext: { runAsUser: -1, runAsGroup: 2147483648 } }],
    { securityContext: { runAsUser: -2, runAsGroup: -3, supplementalGroups: [4000, -4], fsGroup: -5 } })), [
    `spec.containers[0].securityContext.runAsUser: Invalid value: -1: ${range}`,
    `spec.containers[0].securityContext.runAsGroup: Invalid value: 2147483648: ${range}`,
    `spec.securityContext.fsGroup: Invalid value: -5: ${range}`,
    `spec.securityContext.runAsUser: Invalid value: -2: ${range}`,
    `spec.securityContext.runAsGroup: Invalid value: -3: ${range}`,
    `spec.securityContext.supplementalGroups[1]: Invalid value: -4: ${range}`,
  ]);
  assert.deepEqual(messages(mk([{ name: 'a', image: 'x' }], { initContainers: [{ name: 'i', image: 'x', securityContext: { runAsUser: -1 } }] })),
    [`spec.initContainers[0].securityContext.runAsUser: Invalid value: -1: ${range}`]);
});
