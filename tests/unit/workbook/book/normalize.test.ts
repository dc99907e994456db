// Unit tests for src/workbook/book/normalize.ts: every volatile part a chapter's output can contain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize, matchOutput, diffLines, COLUMN } from '../../../../src/workbook/book/normalize.ts';

test('ages become <age> and column widths stop mattering', () => {
  const a = normalize('NAME    READY   STATUS    RESTARTS   AGE\nnginx   0/1     Pending   0          5s\n');
  const b = normalize('NAME       READY   STATUS    RESTARTS   AGE\nlongname   0/1     Pending   0          3m2s\n');
  assert.equal(a, `NAME${COLUMN}READY${COLUMN}STATUS${COLUMN}RESTARTS${COLUMN}AGE\nnginx${COLUMN}0/1${COLUMN}Pending${COLUMN}0${COLUMN}<age>`);
  assert.equal(b.split('\n')[0], a.split('\n')[0]);
  for (const age of ['5s', '3m2s', '10m', '2d', '2d3h', '4y12d', '0s']) assert.equal(normalize(`x   ${age}`), `x${COLUMN}<age>`, age);
});

test('words that merely contain digits are not ages', () => {
  assert.equal(normalize('v1 1/1 k8s 10 abc5s pod/nginx'), 'v1 1/1 k8s 10 abc5s pod/nginx');
});

test('leading indentation is kept (YAML), trailing spaces and blank edges are not', () => {
  assert.equal(normalize('\nmetadata:\n  name: nginx   \n\n'), 'metadata:\n  name: nginx');
});

test('times, uids, ports, resourceVersions, tokens', () => {
  const text = [
    'creationTimestamp: "2026-11-29T02:03:04Z"',
    '"creationTimestamp":"2026-11-29T02:03:04.123456+00:00"',
    'uid: 0f8fad5b-d9cb-469f-a165-70867728950e',
    'server: http://127.0.0.1:40123',
    'resourceVersion: "17"',
    '"resourceVersion":"17"',
    'GET /api/v1/pods?resourceVersion=17&watch=1',
    'Authorization: Bearer abc.DEF-123',
    'token: s3cr3tt0ken',
    'url: http://127.0.0.1:3333/exec/AbC123_-xYz',
    'Date: Sun, 29 Nov 2026 02:03:04 GMT',
    'Sun Nov 29 02:03:04 UTC 2026',
    '2026-11-29 02:03:04.5 +0000 UTC',
  ].join('\n');
  assert.equal(normalize(text), [
    'creationTimestamp: "<time>"',
    '"creationTimestamp":"<time>"',
    'uid: <uid>',
    'server: http://127.0.0.1:<port>',
    'resourceVersion: "<rv>"',
    '"resourceVersion":"<rv>"',
    'GET /api/v1/pods?resourceVersion=<rv>&watch=1',
    'Authorization: Bearer <token>',
    'token: <token>',
    'url: http://127.0.0.1:<port>/exec/<token>',
    'Date: <time>',
    '<time>',
    '<time>',
  ].join('\n'));
});

test('a uid glued to a name by "_" is still a uid', () => {
  assert.equal(normalize('/run/node-1/pods/default_web_0f8fad5b-d9cb-469f-a165-70867728950e/web'), '/run/node-1/pods/default_web_<uid>/web');
  assert.equal(normalize('x0f8fad5b-d9cb-469f-a165-70867728950e'), 'x0f8fad5b-d9cb-469f-a165-70867728950e');
});

test('kubelet exec paths are not mistaken for streaming tokens', () => {
  assert.equal(normalize('POST /exec/default/nginx/nginx?command=date'), 'POST /exec/default/nginx/nginx?command=date');
});

test('klog headers and request durations from -v logs', () => {
  const a = normalize('I1129 02:03:04.123456   12345 round_trippers.go:553] GET http://127.0.0.1:8080/api/v1/namespaces/default/pods/nginx 200 OK in 3 milliseconds');
  const b = normalize('I0101 23:59:59.000001    7 round_trippers.go:632] GET http://127.0.0.1:9/api/v1/namespaces/default/pods/nginx 200 OK in 12 milliseconds');
  assert.equal(a, b);
  assert.equal(a, 'I<klog> round_trippers.go] GET http://127.0.0.1:<port>/api/v1/namespaces/default/pods/nginx 200 OK in <n> milliseconds');
  assert.equal(normalize('Response Status: 101 Switching Protocols milliseconds=3'), 'Response Status: 101 Switching Protocols milliseconds=<n>');
});

test('state and repository paths become markers', () => {
  assert.equal(normalize('socket /tmp/ike-x/node-1.sock in /work/main', { stateDir: '/tmp/ike-x', repoRoot: '/work/main' }), 'socket <state>/node-1.sock in <repo>');
});

test('CRLF and ANSI colour codes are dropped', () => {
  assert.equal(normalize('\x1b[31mred\x1b[0m\r\nok\r\n'), 'red\nok');
});

test('normalising is idempotent, so chapters may show placeholders', () => {
  const once = normalize('nginx   1/1   5s   2026-11-29T02:03:04Z   127.0.0.1:80');
  assert.equal(normalize(once), once);
});

test('"..." in expected output matches any run of lines, including none', () => {
  assert.ok(matchOutput('a\n...\nd', 'a\nb\nc\nd'));
  assert.ok(matchOutput('a\n...\nd', 'a\nd'));
  assert.ok(matchOutput('...', ''));
  assert.ok(!matchOutput('a\n...\nd', 'a\nb\nc'));
  assert.ok(!matchOutput('a\nb', 'a\nc'));
  assert.ok(matchOutput('', ''));
});

test('diffLines marks what was expected and what came instead', () => {
  assert.equal(diffLines('a\nb\nc', 'a\nx\nc'), '  a\n- b\n+ x\n  c');
});
