import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execOptionsFromQuery, validateContainer, validateExec } from '../../../../src/apiserver/exec/options.ts';
import { StatusError } from '../../../../src/api/status.ts';
import type { Pod } from '../../../../src/api/types.ts';

const pod = (names: string[], phase: NonNullable<Pod['status']>['phase'] = 'Running'): Pod =>
  ({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: names.map((name) => ({ name })) }, status: { phase } });
const bad = (message: string) => (e: StatusError) => e.code === 400 && e.status.reason === 'BadRequest' && e.message === message;

test('kubectl\'s query decodes to PodExecOptions, command repeated in order', () => {
  const o = execOptionsFromQuery(new URLSearchParams('command=sh&command=-c&command=echo+hi%3B+exit+3&container=ctr&stderr=true&stdout=true'));
  assert.deepEqual(o, { stdin: false, stdout: true, stderr: true, tty: false, container: 'ctr', command: ['sh', '-c', 'echo hi; exit 3'] });
  // client-node sends every flag, false ones included.
  const c = execOptionsFromQuery(new URLSearchParams('stdout=true&stderr=true&stdin=false&tty=false&command=date'));
  assert.deepEqual([c.stdin, c.tty, c.container], [false, false, '']);
});

test('container defaulting and the real messages for unknown or ambiguous containers', () => {
  assert.equal(validateContainer('', pod(['only'])), 'only');
  assert.throws(() => validateContainer('', pod(['a', 'b'])), bad('a container name must be specified for pod web, choose one of: [a b]'));
  assert.throws(() => validateContainer('', pod([])), bad('a container name must be specified for pod web'));
  assert.throws(() => validateContainer('nope', pod(['a'])), bad('container nope is not valid for pod web'));
  assert.equal(validateContainer('b', pod(['a', 'b'])), 'b');
});

test('validateExec checks the container only: completed pods, no streams and no command are for kubectl and the kubelet', () => {
  const ok = { stdin: false, stdout: true, stderr: true, tty: false, container: '', command: ['date'] };
  assert.deepEqual(validateExec(pod(['c']), ok), { ...ok, container: 'c' });
  assert.deepEqual(validateExec(pod(['c'], 'Succeeded'), ok), { ...ok, container: 'c' });
  const none = { ...ok, stdout: false, stderr: false, command: [] };
  assert.deepEqual(validateExec(pod(['c']), none), { ...none, container: 'c' });
  assert.throws(() => validateExec(pod(['c']), { ...ok, container: 'zz' }), bad('container zz is not valid for pod web'));
});
