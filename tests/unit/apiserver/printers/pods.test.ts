import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podStatusReason, podTable } from '../../../../src/apiserver/printers/pods.ts';
import { humanDuration, age } from '../../../../src/apiserver/printers/duration.ts';
import type { ContainerStatus, Pod } from '../../../../src/api/types.ts';

const cs = (state: ContainerStatus['state'], ready = false, restartCount = 0): ContainerStatus =>
  ({ name: 'c', ready, restartCount, image: 'x', imageID: '', state });
const pod = (status: Pod['status'], extra: Partial<Pod['metadata']> = {}): Pod =>
  ({ metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z', ...extra }, spec: { containers: [{ name: 'c' }] }, status });

test('STATUS column: phase, waiting and terminated reasons, exit codes, Terminating', () => {
  assert.equal(podStatusReason(pod({ phase: 'Pending' })).reason, 'Pending');
  assert.equal(podStatusReason(pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })] })).reason, 'ContainerCreating');
  assert.equal(podStatusReason(pod({ phase: 'Running', containerStatuses: [cs({ running: {} }, true)] })).reason, 'Running');
  assert.equal(podStatusReason(pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] })).reason, 'Completed');
  assert.equal(podStatusReason(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 1, reason: 'Error' } })] })).reason, 'Error');
  assert.equal(podStatusReason(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 3 } })] })).reason, 'ExitCode:3');
  assert.equal(podStatusReason(pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })).reason, 'Terminating');
  assert.equal(podStatusReason(pod({ phase: 'Pending', reason: 'Evicted' })).reason, 'Evicted');
});

test('READY counts ready running containers; RESTARTS sums restart counts', () => {
  const p: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status: { phase: 'Running', containerStatuses: [cs({ running: {} }, true, 2), cs({ waiting: { reason: 'CrashLoopBackOff' } }, false, 3)] } };
  const { ready, restarts, reason } = podStatusReason(p);
  assert.deepEqual([ready, restarts, reason], [1, 5, 'CrashLoopBackOff']);
});

test('a row has the nine cells the columns describe, with <none> for empty wide cells', () => {
  const row = podTable.row(pod({ phase: 'Pending' }), new Date('2026-01-01T00:05:00Z'));
  assert.deepEqual(row.cells, ['p', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
  assert.equal(podTable.columns.length, row.cells.length);
  assert.deepEqual(podTable.columns.filter((c) => c.priority === 1).map((c) => c.name), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
});

test('completed pods carry the Completed row condition', () => {
  const row = podTable.row(pod({ phase: 'Succeeded' }), new Date());
  assert.equal(row.conditions?.[0].type, 'Completed');
});

test('HumanDuration boundaries', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  assert.deepEqual([0, 59 * s, 119 * s, 2 * m, 3 * m + 12 * s, 10 * m, 179 * m, 3 * h, 3 * h + 30 * m, 8 * h, 47 * h, 2 * d, 2 * d + 5 * h, 8 * d, 400 * d, 730 * d, 800 * d, 3000 * d].map(humanDuration),
    ['0s', '59s', '119s', '2m', '3m12s', '10m', '179m', '3h', '3h30m', '8h', '47h', '2d', '2d5h', '8d', '400d', '2y', '2y70d', '8y']);
  assert.equal(humanDuration(-1500), '0s');
  assert.equal(humanDuration(-5000), '<invalid>');
  assert.equal(age(undefined, new Date()), '<unknown>');
});
