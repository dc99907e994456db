import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alreadyExists, conflict, expired, invalid, notFound, notFoundPath, toStatus } from '../../../src/api/status.ts';

test('NotFound and AlreadyExists read like the real server', () => {
  assert.deepEqual(notFound('pods', 'x').status, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 });
  assert.equal(alreadyExists('pods', 'x').message, 'pods "x" already exists');
  assert.equal(conflict('pods/binding', 'x', 'why').message, 'Operation cannot be fulfilled on pods/binding "x": why');
  assert.equal(notFoundPath().message, 'the server could not find the requested resource');
  assert.equal(expired('too old').code, 410);
});

test('Invalid: one cause reads bare, several are bracketed like an aggregate', () => {
  const one = invalid('Pod', 'p', [{ field: 'spec.containers', message: 'Required value' }]);
  assert.equal(one.message, 'Pod "p" is invalid: spec.containers: Required value');
  const two = invalid('Pod', 'p', [{ field: 'a', message: 'x' }, { field: 'b', message: 'y' }]);
  assert.equal(two.message, 'Pod "p" is invalid: [a: x, b: y]');
  assert.equal(two.code, 422);
});

test('anything thrown that is not a StatusError becomes a 500 InternalError', () => {
  const s = toStatus(new Error('boom'));
  assert.deepEqual([s.code, s.reason, s.message], [500, 'InternalError', 'Internal error occurred: boom']);
});
