// Unit tests for the engine's pure pieces: versioned paths, the version check, routes, filters, signals, names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkVersion, compareVersions, parseVersionedPath, streamContentType } from '../../../src/engine/api-version.ts';
import { Router } from '../../../src/engine/router.ts';
import { matchContainer, parseFilters, validateContainerFilters } from '../../../src/engine/filters.ts';
import { parseSignal } from '../../../src/engine/signals.ts';
import { validateName } from '../../../src/engine/names.ts';
import { EngineError } from '../../../src/engine/errors.ts';

const status = (fn: () => unknown) => { try { fn(); } catch (e) { return [(e as EngineError).statusCode, (e as Error).message]; } return undefined; };

test('versioned paths: /v1.NN/ prefix or bare', () => {
  assert.deepEqual(parseVersionedPath('/v1.47/containers/json'), { version: '1.47', path: '/containers/json' });
  assert.deepEqual(parseVersionedPath('/v1.24/_ping'), { version: '1.24', path: '/_ping' });
  assert.deepEqual(parseVersionedPath('/containers/json'), { version: '1.47', path: '/containers/json' });
  assert.deepEqual(parseVersionedPath('/vx/containers'), { version: '1.47', path: '/vx/containers' });
  assert.equal(compareVersions('1.9', '1.24'), -1);
  assert.equal(compareVersions('1.47', '1.47.0'), 0);
});

test('version check: below the minimum or above the current one is a 400 in the engine\'s words', () => {
  assert.equal(status(() => checkVersion('1.24')), undefined);
  assert.equal(status(() => checkVersion('1.47')), undefined);
  assert.deepEqual(status(() => checkVersion('1.23')), [400, 'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version']);
  assert.deepEqual(status(() => checkVersion('1.50')), [400, 'client version 1.50 is too new. Maximum supported API version is 1.47']);
});

test('stream content type: multiplexed only without a terminal and from 1.42', () => {
  assert.equal(streamContentType('1.47', false), 'application/vnd.docker.multiplexed-stream');
  assert.equal(streamContentType('1.41', false), 'application/vnd.docker.raw-stream');
  assert.equal(streamContentType('1.47', true), 'application/vnd.docker.raw-stream');
});

test('routes: parameters, names with slashes, HEAD as GET, other methods told apart from unknown paths', () => {
  const r = new Router<string>().add('GET', '/containers/{name}/json', 'inspect').add('GET', '/images/{name:.*}/json', 'image')
    .add('DELETE', '/images/{name:.*}', 'rmi').add('GET', '/_ping', 'ping');
  assert.deepEqual(r.match('GET', '/containers/c1/json'), { handler: 'inspect', params: { name: 'c1' } });
  assert.deepEqual(r.match('GET', '/images/docker.io/library/busybox:latest/json'), { handler: 'image', params: { name: 'docker.io/library/busybox:latest' } });
  assert.deepEqual(r.match('DELETE', '/images/busybox'), { handler: 'rmi', params: { name: 'busybox' } });
  assert.deepEqual(r.match('HEAD', '/_ping'), { handler: 'ping', params: {} });
  assert.equal(r.match('POST', '/_ping'), 'method');
  assert.equal(r.match('GET', '/containers//json'), undefined);
  assert.equal(r.match('GET', '/containers/c1/json/x'), undefined);
  assert.equal(r.match('GET', '/containers/%zz/json'), undefined);
});

test('filters: list and map forms, labels, names as patterns, ids as prefixes, status', () => {
  const c = { id: 'abcdef0123', name: 'web-1', labels: { app: 'web', 'io.kubernetes.pod.name': 'nginx' }, status: 'running' };
  const m = (raw: string) => matchContainer(parseFilters(raw), c);
  assert.equal(m('{"label":["app=web"]}'), true);
  assert.equal(m('{"label":{"app=web":true}}'), true);
  assert.equal(m('{"label":["app=web","io.kubernetes.pod.name=nginx"]}'), true);
  assert.equal(m('{"label":["app=web","io.kubernetes.pod.name=other"]}'), false);
  assert.equal(m('{"label":["app"]}'), true);
  assert.equal(m('{"label":["nope"]}'), false);
  assert.equal(m('{"name":["web"]}'), true);
  assert.equal(m('{"name":["^/web-1$"]}'), true);
  assert.equal(m('{"name":["db","web"]}'), true);
  assert.equal(m('{"id":["abc"]}'), true);
  assert.equal(m('{"id":["bcd"]}'), false);
  assert.equal(m('{"status":["exited"]}'), false);
  assert.equal(m('{"status":["exited","running"],"label":["app=web"]}'), true);
  assert.equal(parseFilters('').size, 0);
  assert.deepEqual(status(() => parseFilters('{"label":')), [400, 'invalid filter: {"label":']);
  assert.deepEqual(status(() => validateContainerFilters(parseFilters('{"colour":["red"]}'))), [400, "invalid filter 'colour'"]);
  assert.deepEqual(status(() => validateContainerFilters(parseFilters('{"status":["sleepy"]}'))), [400, "invalid filter 'status=sleepy'"]);
});

test('signals: names with or without SIG, any case, and numbers', () => {
  assert.equal(parseSignal('SIGTERM'), 'SIGTERM');
  assert.equal(parseSignal('kill'), 'SIGKILL');
  assert.equal(parseSignal('9'), 'SIGKILL');
  assert.equal(parseSignal('QUIT'), 'SIGQUIT');
  assert.deepEqual(status(() => parseSignal('NOPE')), [400, 'Invalid signal: NOPE']);
  assert.deepEqual(status(() => parseSignal('999')), [400, 'Invalid signal: 999']);
});

test('names: the allowed characters, a leading slash added', () => {
  assert.equal(validateName('web-1'), '/web-1');
  assert.equal(validateName('/web_1.a'), '/web_1.a');
  assert.equal(status(() => validateName('../etc'))?.[0], 400);
  assert.equal(status(() => validateName('x'))?.[0], 400);
  assert.equal(status(() => validateName('a/b'))?.[0], 400);
});
