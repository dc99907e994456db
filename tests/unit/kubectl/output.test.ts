// -o yaml|json|name: sorted keys, go-yaml's quoting and sequence indentation, kubectl's List wrapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printJSON, printYAML, printName, asList, withTypeMeta } from '../../../src/kubectl/printers/output.ts';

test('yaml: keys sorted, sequences not indented, YAML 1.1 look-alikes double-quoted', () => {
  const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', resourceVersion: '5', creationTimestamp: '2026-11-29T01:00:00Z', labels: { on: 'yes', run: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] }, status: { phase: 'Pending' } };
  assert.equal(printYAML(pod), [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  creationTimestamp: "2026-11-29T01:00:00Z"',
    '  labels:',
    '    "on": "yes"',
    '    run: web',
    '  name: web',
    '  resourceVersion: "5"',
    'spec:',
    '  containers:',
    '  - image: nginx',
    '    name: web',
    '    ports:',
    '    - containerPort: 80',
    'status:',
    '  phase: Pending',
    '',
  ].join('\n'));
});

test('json: keys sorted at every level, 4-space indent', () => {
  assert.equal(printJSON({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }), '{\n    "a": {\n        "c": null,\n        "d": [\n            {\n                "y": 2,\n                "z": 1\n            }\n        ]\n    },\n    "b": 1\n}\n');
});

test('lists: kind List with an empty resourceVersion; items get their kind from the list', () => {
  const raw: { kind?: string; apiVersion?: string; metadata: { name: string } }[] = [{ metadata: { name: 'a' } }];
  const items = withTypeMeta(raw, 'PodList');
  assert.deepEqual(items, [{ metadata: { name: 'a' }, apiVersion: 'v1', kind: 'Pod' }]);
  assert.deepEqual(asList(items), { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } });
  assert.equal(printName(items[0]), 'pod/a\n');
  assert.equal(printName({ metadata: { name: 'n1' } }, 'Node'), 'node/n1\n');
});
