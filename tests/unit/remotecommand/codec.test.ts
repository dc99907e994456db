// Unit tests for the pure remotecommand codec: hex bytes in, frames out; split chunks; malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, encodeCloseSignal, decodeMessage, decodeBase64Strict, ResizeDecoder, ProtocolError } from '../../../src/remotecommand/codec.ts';
import { protocolInfo } from '../../../src/remotecommand/protocols.ts';

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array | string) => Buffer.from(b as Uint8Array).toString('hex');
const v5 = protocolInfo('v5.channel.k8s.io')!;
const v4 = protocolInfo('v4.channel.k8s.io')!;
const b64 = protocolInfo('v4.base64.channel.k8s.io')!;
const v1 = protocolInfo('')!;

test('binary encode: channel byte then payload', () => {
  assert.equal(toHex(encodeMessage(v5, 1, hex('68656c6c6f0a'))), '0168656c6c6f0a');
  assert.equal(toHex(encodeMessage(v4, 2, new Uint8Array())), '02');
  // the empty message written right after the handshake
  assert.equal(toHex(encodeMessage(v1, 1, new Uint8Array())), '01');
});

test('base64 encode: ASCII digit then padded base64, as a string (text frame)', () => {
  assert.equal(encodeMessage(b64, 1, hex('68656c6c6f0a')), '1aGVsbG8K');
  assert.equal(encodeMessage(b64, 2, hex('ff')), '2/w==');
  assert.equal(encodeMessage(b64, 1, new Uint8Array()), '1');
  assert.throws(() => encodeMessage(b64, 255, new Uint8Array()), ProtocolError);
});

test('decode binary: stdin, resize, unknown channels pass through for the session to drop', () => {
  assert.deepEqual(decodeMessage(v5, hex('00 68656c6c6f0a776f726c640a'), true), { kind: 'data', channel: 0, data: hex('68656c6c6f0a776f726c640a') });
  const r = decodeMessage(v5, hex('04') , true);
  assert.equal(r.kind, 'data');
  assert.equal((r as { channel: number }).channel, 4);
  assert.equal((decodeMessage(v5, hex('07aa'), true) as { channel: number }).channel, 7);
});

test('v5 close signal: exactly [255, ch]', () => {
  assert.equal(toHex(encodeCloseSignal(0)), 'ff00');
  assert.deepEqual(decodeMessage(v5, hex('ff00'), true), { kind: 'close', channel: 0 });
  assert.throws(() => decodeMessage(v5, hex('ff'), true), /malformed close signal: expected 2 bytes \[255, channel\], got 1/);
  assert.throws(() => decodeMessage(v5, hex('ff0000'), true), (e: ProtocolError) => e.fatal && /malformed close signal.*got 3/.test(e.message));
  // v4 has no close signal: 255 is just an unknown channel
  assert.deepEqual(decodeMessage(v4, hex('ff00'), true), { kind: 'data', channel: 255, data: hex('00') });
});

test('decode rejects empty and text messages on binary protocols', () => {
  assert.throws(() => decodeMessage(v5, new Uint8Array(), true), /empty message: no channel byte/);
  assert.throws(() => decodeMessage(v5, '0aGk=', false), (e: ProtocolError) => !e.fatal && /unexpected text message on v5.channel.k8s.io/.test(e.message));
});

test('decode base64: digit channel, strict padded base64', () => {
  assert.deepEqual(decodeMessage(b64, '0aGVsbG8K', false), { kind: 'data', channel: 0, data: hex('68656c6c6f0a') });
  assert.deepEqual(decodeMessage(b64, Buffer.from('4eyJXaWR0aCI6MX0='), true), { kind: 'data', channel: 4, data: new TextEncoder().encode('{"Width":1}') });
  assert.deepEqual(decodeMessage(b64, '0', false), { kind: 'data', channel: 0, data: new Uint8Array() });
  assert.throws(() => decodeMessage(b64, '0aGVsbG8', false), /invalid base64 payload/); // missing padding
  assert.throws(() => decodeMessage(b64, '0aGV$bG8K', false), /invalid base64 payload/);
  assert.throws(() => decodeMessage(b64, 'xaGk=', false), /invalid channel "x"/);
  assert.throws(() => decodeMessage(b64, '', false), /empty message/);
  assert.throws(() => decodeBase64Strict('a b='), ProtocolError);
});

test('round trip of every byte value through both encodings', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const p of [v5, v4, v1]) {
    const d = decodeMessage(p, encodeMessage(p, 1, all) as Uint8Array, true);
    assert.deepEqual(d, { kind: 'data', channel: 1, data: all });
  }
  assert.deepEqual(decodeMessage(b64, encodeMessage(b64, 1, all), false), { kind: 'data', channel: 1, data: all });
});

test('resize: kubectl and client-node shapes, any key case', () => {
  const d = new ResizeDecoder();
  assert.deepEqual(d.push(new TextEncoder().encode('{"Width":100,"Height":30}\n')), [{ width: 100, height: 30 }]);
  assert.deepEqual(d.push(new TextEncoder().encode('{"height":30,"width":100}')), [{ width: 100, height: 30 }]);
  assert.deepEqual(d.push(new TextEncoder().encode('{"WIDTH":1,"hEiGhT":2,"other":{"x":"}"}}{"Width":3,"Height":4}')), [{ width: 1, height: 2 }, { width: 3, height: 4 }]);
});

test('resize: a stream of objects split at every offset decodes the same', () => {
  const text = '{"Width":100,"Height":30}\n{"height":40,"width":120}  {"Width":7,"Height":8,"x":"a\\"}"}\n';
  const bytes = new TextEncoder().encode(text);
  const want = [{ width: 100, height: 30 }, { width: 120, height: 40 }, { width: 7, height: 8 }];
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j += 7) {
      const d = new ResizeDecoder();
      const got = [...d.push(bytes.subarray(0, i)), ...d.push(bytes.subarray(i, j)), ...d.push(bytes.subarray(j))];
      assert.deepEqual(got, want, `split at ${i},${j}`);
    }
  }
});

test('resize: malformed input is a clear error, and the decoder stays failed', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.throws(() => new ResizeDecoder().push(enc('[1,2]')), /resize: expected a JSON object, got "\["/);
  assert.throws(() => new ResizeDecoder().push(enc('{"Width":-1,"Height":2}')), /Width must be an integer from 0 to 65535/);
  assert.throws(() => new ResizeDecoder().push(enc('{"Width":70000}')), /65535/);
  assert.throws(() => new ResizeDecoder().push(enc('{"Width":1,}')), /resize: .*JSON/);
  assert.throws(() => new ResizeDecoder(16).push(enc('{"Width":1,"Height":2,"pad":"xxxxxxxx"}')), /longer than 16 bytes/);
  const d = new ResizeDecoder();
  assert.throws(() => d.push(enc('x')), ProtocolError);
  assert.throws(() => d.push(enc('{"Width":1,"Height":1}')), /expected a JSON object/);
});
