import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesLabels, parseLabelSelector } from '../../../../src/apiserver/selectors/labels.ts';
import { StatusError } from '../../../../src/api/status.ts';

const m = (sel: string, labels: Record<string, string>) => matchesLabels(parseLabelSelector(sel), labels);

test('equality: =, == and != (which also matches a missing key)', () => {
  assert.equal(m('app=web', { app: 'web' }), true);
  assert.equal(m('app==web', { app: 'web' }), true);
  assert.equal(m('app=web', { app: 'db' }), false);
  assert.equal(m('app!=web', { app: 'db' }), true);
  assert.equal(m('app!=web', {}), true);
  assert.equal(m('app!=web', { app: 'web' }), false);
});

test('sets: in and notin, with spaces', () => {
  assert.equal(m('env in (prod, staging)', { env: 'staging' }), true);
  assert.equal(m('env in (prod,staging)', { env: 'dev' }), false);
  assert.equal(m('env notin (prod)', { env: 'dev' }), true);
  assert.equal(m('env notin (prod)', {}), true);
  assert.equal(m('env notin (prod)', { env: 'prod' }), false);
});

test('existence: key and !key', () => {
  assert.equal(m('tier', { tier: '' }), true);
  assert.equal(m('tier', {}), false);
  assert.equal(m('!tier', {}), true);
  assert.equal(m('!tier', { tier: 'x' }), false);
});

test('requirements are ANDed, and an empty selector matches everything', () => {
  assert.equal(m('app=web,env in (prod),!canary', { app: 'web', env: 'prod' }), true);
  assert.equal(m('app=web,env in (prod),!canary', { app: 'web', env: 'prod', canary: 'y' }), false);
  assert.equal(m('', { any: 'thing' }), true);
  assert.deepEqual(parseLabelSelector(undefined), []);
});

test('prefixed keys and empty values parse', () => {
  assert.deepEqual(parseLabelSelector('example.com/app='), [{ key: 'example.com/app', operator: '=', values: [''] }]);
});

test('malformed selectors are a 400 BadRequest', () => {
  for (const bad of ['app in prod', 'app in (prod', '=x', 'a b', 'bad key!=x', 'a=b=c']) {
    assert.throws(() => parseLabelSelector(bad), (e: StatusError) => e.code === 400 && e.status.reason === 'BadRequest', bad);
  }
});
