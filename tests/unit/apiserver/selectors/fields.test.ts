import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFields, parseFieldSelector } from '../../../../src/apiserver/selectors/fields.ts';
import { StatusError } from '../../../../src/api/status.ts';

const fields = ['metadata.name', 'spec.nodeName', 'status.phase'];

test('= and != compare against the object fields; a missing field is the empty string', () => {
  const obj = { 'metadata.name': 'nginx', 'spec.nodeName': '', 'status.phase': 'Pending' };
  assert.equal(matchesFields(parseFieldSelector('metadata.name=nginx', fields), obj), true);
  assert.equal(matchesFields(parseFieldSelector('metadata.name==other', fields), obj), false);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName=', fields), obj), true);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName!=,status.phase=Pending', fields), obj), false);
  assert.equal(matchesFields(parseFieldSelector('status.phase!=Running', fields), obj), true);
});

test('an unsupported field is refused with the real message', () => {
  assert.throws(() => parseFieldSelector('spec.foo=x', fields),
    (e: StatusError) => e.code === 400 && e.message === 'field label not supported: spec.foo');
});

test('a term without an operator is a BadRequest', () => {
  assert.throws(() => parseFieldSelector('metadata.name', fields), (e: StatusError) => e.code === 400);
});

test('escaped commas stay inside a value', () => {
  const r = parseFieldSelector('metadata.name=a\\,b', fields);
  assert.deepEqual(r, [{ field: 'metadata.name', operator: '=', value: 'a,b' }]);
});
