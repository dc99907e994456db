import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceTable, nodeRoles, nodeStatus, nodeTable } from '../../../../src/apiserver/printers/nodes.ts';
import type { Node } from '../../../../src/api/types.ts';

test('node STATUS from the Ready condition, plus SchedulingDisabled', () => {
  const n = (status?: 'True' | 'False', unschedulable = false): Node =>
    ({ metadata: { name: 'n' }, spec: { unschedulable }, status: { conditions: status ? [{ type: 'Ready', status }] : [] } });
  assert.equal(nodeStatus(n('True')), 'Ready');
  assert.equal(nodeStatus(n('False')), 'NotReady');
  assert.equal(nodeStatus(n()), 'Unknown');
  assert.equal(nodeStatus(n('True', true)), 'Ready,SchedulingDisabled');
});

test('ROLES from node-role labels, <none> without', () => {
  assert.equal(nodeRoles({ metadata: { labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '' } } }), 'control-plane,worker');
  assert.equal(nodeRoles({ metadata: {} }), '<none>');
});

test('node row: version and the wide columns', () => {
  const node: Node = { metadata: { name: 'node-1', creationTimestamp: '2026-01-01T00:00:00Z' },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'workbook://0.1' } } };
  assert.deepEqual(nodeTable.row(node, new Date('2026-01-01T00:00:30Z')).cells,
    ['node-1', 'Ready', '<none>', '30s', 'v1.32.0', '127.0.0.1', '<none>', '<unknown>', '<unknown>', 'workbook://0.1']);
  assert.deepEqual(nodeTable.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version']);
});

test('namespace row: Name, Status, Age', () => {
  assert.deepEqual(namespaceTable.row({ metadata: { name: 'default', creationTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Active' } }, new Date('2026-01-01T00:00:05Z')).cells,
    ['default', 'Active', '5s']);
});
