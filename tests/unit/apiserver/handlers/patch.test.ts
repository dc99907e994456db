import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, mergePatch, patchTypeOf, strategicMergePatch } from '../../../../src/apiserver/handlers/patch.ts';

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

test('patch types come from the Content-Type; JSON patch is not supported', () => {
  assert.equal(patchTypeOf('application/merge-patch+json'), 'merge');
  assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchTypeOf('application/json-patch+json'), undefined);
  assert.deepEqual(applyPatch('merge', { a: [1] }, { a: [2] }), { a: [2] });
});
