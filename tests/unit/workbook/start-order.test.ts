// Unit tests for the checkpoint's start order (src/workbook/start-order.ts): dependencies read from the args,
// independent components started together, nothing new started after a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import chapters from '../../../book.config.ts';
import { checkpointOf } from '../../../src/workbook/checkpoint.ts';
import { dependenciesOf, startGraph, startInOrder } from '../../../src/workbook/start-order.ts';
import type { ComponentSpec } from '../../../src/workbook/types.ts';

const spec = (name: string, ...args: string[]): ComponentSpec => ({ name, entry: `${name}.ts`, args, probe: 'none' });

// A start that stays pending until released, recording which ones were under way together.
function gatedStarts() {
  const gates = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const begun: string[] = [];
  const start = (name: string) => new Promise<void>((resolve, reject) => { begun.push(name); gates.set(name, { resolve, reject }); });
  const settle = () => new Promise((r) => setImmediate(r));
  return { begun, start, gates, settle };
}

test('dependencies are the components named in ${component.field}, not ${state}', () => {
  assert.deepEqual(dependenciesOf(spec('kubelet', '--apiserver=${apiserver.url}', '--runtime=unix://${shim-node-1.socket}', '--dir=${state}/x')),
    ['apiserver', 'shim-node-1']);
  assert.deepEqual(dependenciesOf(spec('apiserver', '--port=0')), []);
});

test('chapter 5: the API server and both shims start together, then the scheduler and the kubelets', async () => {
  const graph = startGraph(checkpointOf(chapters.find((c) => c.slug === 'streaming')!).components);
  const { begun, start, gates, settle } = gatedStarts();
  const done = startInOrder(graph, start);
  await settle();
  assert.deepEqual(begun.sort(), ['apiserver', 'shim-node-1', 'shim-node-2']);
  gates.get('apiserver')!.resolve();
  await settle();
  assert.deepEqual(begun.slice(3), ['scheduler'], 'a kubelet waits for its shim too');
  gates.get('shim-node-2')!.resolve();
  await settle();
  assert.deepEqual(begun.slice(4), ['kubelet-node-2']);
  gates.get('shim-node-1')!.resolve();
  await settle();
  assert.deepEqual(begun.slice(5), ['kubelet-node-1']);
  for (const name of ['scheduler', 'kubelet-node-1', 'kubelet-node-2']) gates.get(name)!.resolve();
  await done;
});

test('after a failure nothing new starts, and the error comes only once every start under way has ended', async () => {
  const graph = startGraph([spec('a'), spec('b'), spec('c', '${a.url}'), spec('d', '${b.url}')]);
  const { begun, start, gates, settle } = gatedStarts();
  let finished = false;
  const done = startInOrder(graph, start).finally(() => { finished = true; });
  done.catch(() => {});
  await settle();
  gates.get('a')!.reject(new Error('a failed'));
  await settle();
  assert.equal(finished, false, 'b is still starting: the caller must not stop yet');
  gates.get('b')!.resolve();
  await assert.rejects(done, /a failed/);
  assert.deepEqual(begun.sort(), ['a', 'b'], 'neither c nor d started');
});

test('a reference to a missing component, or a cycle, is refused before anything starts', () => {
  assert.throws(() => startGraph([spec('kubelet', '--apiserver=${apiserver.url}')]), /no component "apiserver"/);
  assert.throws(() => startGraph([spec('a', '${b.url}'), spec('b', '${a.url}')]), /cycle: a → b → a/);
});
