// The detach keys (moby/term ToBytes and escapeProxy): parsing, the default, and the proxy over chunks split anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DETACH_KEYS, detachKeysOf, EscapeProxy, parseDetachKeys } from '../../../src/engine/escape-proxy.ts';

test('ToBytes: ctrl-<letter>, ctrl-@ [ \\ ] ^ _, single characters; anything else is an error', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,x,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')], [1, 0x78, 0, 27, 28, 29, 30, 31]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /Unknown character: '1'/);
  assert.throws(() => parseDetachKeys('ab'), /Unknown character: 'ab'/);
  assert.deepEqual(detachKeysOf(''), DEFAULT_DETACH_KEYS);
  assert.deepEqual(detachKeysOf('nonsense'), DEFAULT_DETACH_KEYS, 'wrong keys: the default, as dockerd logs and goes on');
  assert.deepEqual([...detachKeysOf('ctrl-x,x')], [24, 0x78]);
});

test('the proxy passes input through, holds a partial sequence, and detaches on the whole one, however it is split', () => {
  const input = Buffer.from('ab\x10c\x10\x10\x11tail');
  for (let cut = 0; cut <= input.length; cut++) {
    const p = new EscapeProxy();
    const a = p.push(input.subarray(0, cut));
    const b = a.detach ? { data: Buffer.alloc(0), detach: true } : p.push(input.subarray(cut));
    assert.equal(Buffer.concat([a.data, b.data]).toString('latin1'), 'ab\x10c\x10', `cut at ${cut}`);
    assert.equal(a.detach || b.detach, true);
  }
  const plain = new EscapeProxy();
  assert.deepEqual(plain.push(Buffer.from('\x10')), { data: Buffer.alloc(0), detach: false });
  assert.deepEqual(plain.push(Buffer.from('x')), { data: Buffer.from('\x10x'), detach: false });
  const one = new EscapeProxy(Buffer.from([4]));
  assert.deepEqual(one.push(Buffer.from('ab\x04cd')), { data: Buffer.from('ab'), detach: true });
});
