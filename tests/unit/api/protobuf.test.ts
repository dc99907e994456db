import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobufObject, ProtobufError, readFields } from '../../../src/api/protobuf.ts';

// The exact body `kubectl create ns team` (1.32) POSTs, captured from the wire.
const createNamespace = Buffer.from(
  '6b3873000a0f0a0276311209' + '4e616d657370616365' + '121c0a140a047465616d1200' + '1a0022002a0032003800420012001a020a001a002200', 'hex');

test('kubectl create namespace: kind, apiVersion and name come out of the envelope', () => {
  assert.deepEqual(decodeProtobufObject(createNamespace), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
});

test('labels and annotations are map entries (key=1, value=2)', () => {
  const entry = (k: string, v: string) => Buffer.concat([Buffer.from([0x0a, k.length]), Buffer.from(k), Buffer.from([0x12, v.length]), Buffer.from(v)]);
  const e1 = entry('team', 'a');
  const e2 = entry('note', 'hi');
  const meta = Buffer.concat([Buffer.from([0x0a, 1]), Buffer.from('x'), Buffer.from([0x5a, e1.length]), e1, Buffer.from([0x62, e2.length]), e2]);
  const ns = Buffer.concat([Buffer.from([0x0a, meta.length]), meta]);
  const tm = Buffer.from('0a02763112094e616d657370616365', 'hex');
  const body = Buffer.concat([Buffer.from('6b387300', 'hex'), Buffer.from([0x0a, tm.length]), tm, Buffer.from([0x12, ns.length]), ns]);
  assert.deepEqual(decodeProtobufObject(body).metadata, { name: 'x', labels: { team: 'a' }, annotations: { note: 'hi' } });
});

test('every truncation of the captured body is refused cleanly, never misread as a different name', () => {
  for (let cut = 0; cut < createNamespace.length; cut++) {
    try {
      const got = decodeProtobufObject(createNamespace.subarray(0, cut));
      // A cut that lands between whole fields decodes the fields before it; the name, when present, is intact.
      assert.ok(got.metadata.name === undefined || got.metadata.name === 'team', `cut ${cut}`);
    } catch (err) {
      assert.ok(err instanceof ProtobufError || err instanceof TypeError, `cut ${cut}: ${err}`);
    }
  }
});

test('malformed input: no magic, lengths past the end, unsupported wire types', () => {
  assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"Namespace"}')), ProtobufError);
  assert.throws(() => readFields(Uint8Array.of(0x0a, 0x05, 0x01)), /length 5 past the end/);
  assert.throws(() => readFields(Uint8Array.of(0x0b)), /unsupported wire type 3/);
  assert.throws(() => readFields(Uint8Array.of(0x08, 0x80)), /truncated varint/);
});
