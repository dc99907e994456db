// The kubelet's exec route and query parsing: both path shapes, the kubelet's meaning of true, and its refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExecRequest } from '../../../src/kubelet/exec-request.ts';
import { StatusError } from '../../../src/api/status.ts';

const parse = (s: string) => parseExecRequest(new URL(s, 'http://127.0.0.1:10250'));
const status = (f: () => unknown) => { try { f(); } catch (e) { if (e instanceof StatusError) return e.status; throw e; } assert.fail('no error'); };

test('/exec/{ns}/{pod}/{container} with the API server query', () => {
  assert.deepEqual(parse('/exec/default/web/nginx?command=sh&command=-c&command=echo+hi%3B+exit+3&error=1&output=1'), {
    namespace: 'default', pod: 'web', uid: undefined, container: 'nginx',
    command: ['sh', '-c', 'echo hi; exit 3'], stdin: false, stdout: true, stderr: true, tty: false,
  });
});

test('/exec/{ns}/{pod}/{uid}/{container} carries the uid', () => {
  const r = parse('/exec/kube-system/p/0f1e2d3c-aaaa-bbbb-cccc-123456789abc/c?command=date&input=1');
  assert.equal(r.uid, '0f1e2d3c-aaaa-bbbb-cccc-123456789abc');
  assert.equal(r.container, 'c');
  assert.equal(r.stdin, true);
});

test('only exactly "1" is true', () => {
  const r = parse('/exec/default/p/c?command=date&output=true&input=1&error=yes');
  assert.deepEqual([r.stdin, r.stdout, r.stderr], [true, false, false]);
});

test('tty drops the error stream', () => {
  const r = parse('/exec/default/p/c?command=sh&input=1&output=1&error=1&tty=1');
  assert.deepEqual([r.stdin, r.stdout, r.stderr, r.tty], [true, true, false, true]);
});

test('no stream at all is a 400 in the kubelet\'s words', () => {
  const s = status(() => parse('/exec/default/p/c?command=date&output=0&tty=1&error=1'));
  assert.equal(s.code, 400);
  assert.equal(s.message, 'you must specify at least 1 of stdin, stdout, stderr');
});

test('other shapes are not exec routes', () => {
  for (const p of ['/exec/default/p', '/exec/a/b/c/d/e', '/execs/a/b/c', '/exec']) assert.equal(status(() => parse(p)).code, 404, p);
});

test('names that could escape a folder are refused', () => {
  for (const p of ['/exec/default/..%2F..%2Fetc/c?output=1', '/exec/default/p/..?output=1', '/exec/Default/p/c?output=1', '/exec/default/p%00/c?output=1']) {
    assert.ok([400, 404].includes(status(() => parse(p)).code!), p);
  }
});
