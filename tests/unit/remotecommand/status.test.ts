// Unit tests for the error-channel Status: exact JSON the kubelet writes, and client-go's decoding rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { successStatus, nonZeroExitStatus, internalErrorStatus, encodeStatus, decodeStatus, exitCodeFromStatus } from '../../../src/remotecommand/status.ts';
import { protocolInfo } from '../../../src/remotecommand/protocols.ts';

const v5 = protocolInfo('v5.channel.k8s.io')!;
const v1 = protocolInfo('channel.k8s.io')!;
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

test('exact JSON for success and non-zero exit (protocols.md §2.2)', () => {
  assert.equal(text(encodeStatus(v5, successStatus())), '{"metadata":{},"status":"Success"}');
  assert.equal(text(encodeStatus(v5, nonZeroExitStatus(42))),
    '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 42","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"42"}]}}');
  assert.equal(text(encodeStatus(v5, internalErrorStatus(new Error('error executing command in container: boom')))),
    '{"metadata":{},"status":"Failure","message":"Internal error occurred: error executing command in container: boom","reason":"InternalError","details":{"causes":[{"message":"error executing command in container: boom"}]},"code":500}');
});

test('v1 protocols: nothing on success, the message text on failure', () => {
  assert.equal(encodeStatus(v1, successStatus()), null);
  assert.equal(text(encodeStatus(v1, nonZeroExitStatus(3))), 'command terminated with non-zero exit code: exit status 3');
  assert.equal(decodeStatus(v1, new TextEncoder().encode('boom')).message, 'error executing remote command: boom');
});

test('exit codes 0, 1, 42, 255 round-trip; out of uint8 range is a protocol error', () => {
  for (const code of [1, 42, 255]) {
    assert.equal(exitCodeFromStatus(decodeStatus(v5, encodeStatus(v5, nonZeroExitStatus(code))!)), code);
  }
  assert.equal(exitCodeFromStatus(decodeStatus(v5, new Uint8Array())), 0);
  assert.equal(exitCodeFromStatus({ metadata: {}, status: 'Success' }), 0);
  assert.throws(() => exitCodeFromStatus(nonZeroExitStatus(300)), /^Error: error stream protocol error: invalid exit code value "300"$/);
  assert.throws(() => exitCodeFromStatus({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode' }), /details must be set/);
  assert.throws(() => exitCodeFromStatus({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [] } }), /no ExitCode cause/);
});

test('other failures carry their message; garbage is a protocol error', () => {
  assert.throws(() => exitCodeFromStatus({ metadata: {}, status: 'Failure', message: 'boom' }), /^Error: boom$/);
  assert.throws(() => decodeStatus(v5, new TextEncoder().encode('not json')), /^Error: error stream protocol error: /);
});
