import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, jsonPatch, JSONPatchError, mergePatch, patchTypeOf, strategicMergePatch } from '../../../../src/apiserver/handlers/patch.ts';

test('merge patch (RFC 7386): merge objects, null deletes, arrays replace', () => {
  const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2] };
  assert.deepEqual(mergePatch(target, { b: { c: null, e: 4 }, list: [3], f: 'x' }), { a: 1, b: { d: 3, e: 4 }, list: [3], f: 'x' });
  assert.deepEqual(target, { a: 1, b: { c: 2, d: 3 }, list: [1, 2] }, 'the target is not mutated');
  assert.equal(mergePatch({ a: 1 }, 'x'), 'x');
});

test('strategic merge: conditions merge by type, other items kept, $setElementOrder ignored', () => {
  const status = { conditions: [{ type: 'Ready', status: 'False' }, { type: 'MemoryPressure', status: 'False' }] };
  const out = strategicMergePatch({ status }, {
    status: { $setElementOrder: undefined, '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  }) as { status: { conditions: unknown[] } };
  assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }, { type: 'MemoryPressure', status: 'False' }]);
});

test('strategic merge: new keyed items are appended and $patch: delete removes one', () => {
  const out = strategicMergePatch({ containerStatuses: [{ name: 'a', ready: false }, { name: 'b', ready: false }] },
    { containerStatuses: [{ name: 'b', $patch: 'delete' }, { name: 'c', ready: true }] });
  assert.deepEqual(out, { containerStatuses: [{ name: 'a', ready: false }, { name: 'c', ready: true }] });
});

test('patch types come from the Content-Type', () => {
  assert.equal(patchTypeOf('application/merge-patch+json'), 'merge');
  assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeOf('application/json-patch+json'), 'json');
  assert.equal(patchTypeOf('application/apply-patch+yaml'), undefined);
  assert.deepEqual(applyPatch('merge', { a: [1] }, { a: [2] }), { a: [2] });
});

test('JSON patch (RFC 6902): add, replace, remove, move, copy, test; escaped pointers; the target is not mutated', () => {
  const target = { metadata: { labels: { 'app.kubernetes.io/name': 'x' } }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
  const out = jsonPatch(target, [
    { op: 'add', path: '/metadata/labels/tier', value: 'web' },
    { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'y' },
    { op: 'remove', path: '/spec/containers/0' },
    { op: 'add', path: '/spec/containers/-', value: { name: 'c' } },
    { op: 'copy', from: '/metadata/labels/tier', path: '/metadata/annotations' },
    { op: 'move', from: '/metadata/annotations', path: '/metadata/note' },
    { op: 'test', path: '/spec/containers/1/name', value: 'c' },
  ]);
  assert.deepEqual(out, { metadata: { labels: { 'app.kubernetes.io/name': 'y', tier: 'web' }, note: 'web' }, spec: { containers: [{ name: 'b' }, { name: 'c' }] } });
  assert.deepEqual(target.spec.containers.length, 2);
});

test('JSON patch failures are errors, and nothing is half-applied', () => {
  const target = { a: { b: 1 }, list: [1] };
  for (const ops of [
    [{ op: 'remove', path: '/a/zz' }],
    [{ op: 'replace', path: '/nope', value: 1 }],
    [{ op: 'add', path: '/missing/deep', value: 1 }],
    [{ op: 'add', path: '/list/5', value: 1 }],
    [{ op: 'test', path: '/a/b', value: 2 }],
    [{ op: 'frobnicate', path: '/a' }],
    [{ op: 'add', path: 'no-slash', value: 1 }],
    { op: 'add' },
  ]) {
    assert.throws(() => jsonPatch(target, ops), JSONPatchError, JSON.stringify(ops));
  }
  assert.deepEqual(target, { a: { b: 1 }, list: [1] });
});
