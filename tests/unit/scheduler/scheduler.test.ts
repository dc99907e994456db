// The scheduler with a fake binder: pods spread over Ready nodes, NotReady and cordoned nodes are skipped,
// pods wait for a node, and a failed binding does not count against the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler, type Binder } from '../../../src/scheduler/scheduler.ts';
import { pickNode, needsScheduling } from '../../../src/scheduler/schedule.ts';
import { StatusError } from '../../../src/api/status.ts';
import type { Node, Pod } from '../../../src/api/types.ts';

const node = (name: string, ready: 'True' | 'False' | 'Unknown' = 'True', unschedulable = false): Node =>
  ({ metadata: { name }, spec: { unschedulable }, status: { conditions: [{ type: 'Ready', status: ready }] } });
const pod = (name: string, extra: Partial<Pod['spec']> = {}, i = 0): Pod =>
  ({ metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` }, spec: { containers: [{ name: 'c' }], schedulerName: 'default-scheduler', ...extra } });

class FakeBinder implements Binder {
  bound: [string, string][] = [];
  fail = new Set<string>();
  async bind(p: Pod, nodeName: string): Promise<void> {
    if (this.fail.has(p.metadata.name!)) throw new StatusError({ metadata: {}, status: 'Failure', code: 500, message: 'boom' });
    this.bound.push([p.metadata.name!, nodeName]);
  }
}

test('pending pods spread over the Ready nodes, fewest pods first', async () => {
  const binder = new FakeBinder();
  const s = new Scheduler(binder);
  s.replaceNodes([node('node-2'), node('node-1')]);
  s.replacePods([pod('a', {}, 1), pod('b', {}, 2), pod('c', {}, 3), pod('d', {}, 4), pod('bound', { nodeName: 'node-1' }, 0)]);
  await s.idle();
  assert.deepEqual(binder.bound, [['a', 'node-2'], ['b', 'node-1'], ['c', 'node-2'], ['d', 'node-1']]);
});

test('NotReady, Unknown and cordoned nodes get nothing; other schedulers\' pods are left alone', async () => {
  const binder = new FakeBinder();
  const s = new Scheduler(binder);
  s.replaceNodes([node('node-1', 'Unknown'), node('node-2', 'False'), node('node-3', 'True', true), node('node-4')]);
  s.replacePods([pod('a', {}, 1), pod('b', { schedulerName: 'my-scheduler' }, 2), pod('c', {}, 3)]);
  await s.idle();
  assert.deepEqual(binder.bound, [['a', 'node-4'], ['c', 'node-4']]);
});

test('a pod waits until a node is Ready, then is bound', async () => {
  const binder = new FakeBinder();
  const s = new Scheduler(binder);
  s.replaceNodes([node('node-1', 'Unknown')]);
  s.replacePods([pod('a')]);
  await s.idle();
  assert.deepEqual(binder.bound, []);
  s.nodeEvent({ type: 'MODIFIED', object: node('node-1', 'True') });
  await s.idle();
  assert.deepEqual(binder.bound, [['a', 'node-1']]);
});

test('a failed binding is forgotten: the node keeps its count and the pod is tried again', async () => {
  const binder = new FakeBinder();
  const s = new Scheduler(binder);
  binder.fail.add('a');
  s.replaceNodes([node('node-1'), node('node-2')]);
  s.replacePods([pod('a', {}, 1), pod('b', {}, 2)]);
  await s.idle();
  assert.deepEqual(binder.bound, [['b', 'node-1']], 'node-1 counted no pod for the failed binding of a');
  binder.fail.clear();
  s.nodeEvent({ type: 'MODIFIED', object: node('node-1') });
  await s.idle();
  assert.deepEqual(binder.bound, [['b', 'node-1'], ['a', 'node-2']]);
});

test('pickNode breaks ties by name and needsScheduling skips bound, deleted and finished pods', () => {
  assert.equal(pickNode([node('b'), node('a')], () => 0), 'a');
  assert.equal(pickNode([node('b'), node('a')], (n) => (n === 'a' ? 3 : 1)), 'b');
  assert.equal(pickNode([], () => 0), undefined);
  assert.equal(needsScheduling(pod('x')), true);
  assert.equal(needsScheduling(pod('x', { nodeName: 'n' })), false);
  assert.equal(needsScheduling({ ...pod('x'), metadata: { ...pod('x').metadata, deletionTimestamp: 'now' } }), false);
  assert.equal(needsScheduling({ ...pod('x'), status: { phase: 'Succeeded' } }), false);
});
