// The watch stream decoder: newline-delimited events, chunks split at every offset, malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchDecoder, WatchDecodeError } from '../../../src/client/watch-decoder.ts';

const stream = Buffer.from(
  '{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}\n' +
  '\n' +
  '{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"é"}}}\n' +
  '{"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"c"}}}',
);

const names = (evs: { type: string; object: unknown }[]) => evs.map((e) => `${e.type}:${(e.object as { metadata: { name: string } }).metadata.name}`);
const expected = ['ADDED:a', 'MODIFIED:é', 'DELETED:c'];

test('whole stream at once; the last line may lack its newline', () => {
  const d = new WatchDecoder();
  assert.deepEqual(names([...d.push(stream), ...d.end()]), expected);
});

test('split into two chunks at every offset (including inside a UTF-8 character)', () => {
  for (let i = 0; i <= stream.length; i++) {
    const d = new WatchDecoder();
    const evs = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i)), ...d.end()];
    assert.deepEqual(names(evs), expected, `split at ${i}`);
  }
});

test('one byte at a time', () => {
  const d = new WatchDecoder();
  const evs = [];
  for (const b of stream) evs.push(...d.push(Uint8Array.of(b)));
  evs.push(...d.end());
  assert.deepEqual(names(evs), expected);
});

test('malformed lines are clear errors', () => {
  assert.throws(() => new WatchDecoder().push(Buffer.from('{"type":"ADDED"\n')), WatchDecodeError);
  assert.throws(() => new WatchDecoder().push(Buffer.from('{"type":"NOPE","object":{}}\n')), /not a watch event/);
  assert.throws(() => new WatchDecoder().push(Buffer.from('[1,2]\n')), /not a watch event/);
  const d = new WatchDecoder();
  d.push(Buffer.from('{"type":"ADDED",'));
  assert.throws(() => d.end(), /invalid JSON event/);
});

test('an event larger than the limit is refused instead of buffered without bound', () => {
  const d = new WatchDecoder(10);
  d.push(Buffer.from('{"type":'));
  assert.throws(() => d.push(Buffer.from('"ADDED","object":{}')), /larger than 10 bytes/);
});
