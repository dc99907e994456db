// kubectl exec without a stream server: the pod GET, container defaulting, the exact exec URL, TTY rules, exit codes and the -v=7 log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeAPIServer, kubectl, pod } from './fake-apiserver.ts';
import type { StreamExec, StreamExecOptions } from '../../../src/kubectl/cmd/exec.ts';
import { execQuery } from '../../../src/kubectl/cmd/exec.ts';
import { encodeQuery } from '../../../src/client/rest-client.ts';
import type { Status } from '../../../src/api/status.ts';

// Records the call and answers like a server would: some output, then a Status.
function fakeStream(status: Status, write?: (o: StreamExecOptions) => Promise<void> | void) {
  const calls: { url: string; opts: StreamExecOptions }[] = [];
  const fn: StreamExec = async (url, opts) => {
    calls.push({ url, opts });
    opts.onRequest?.('GET', { 'Sec-Websocket-Protocol': 'v5.channel.k8s.io' });
    opts.onResponse?.({ statusCode: 101, statusMessage: 'Switching Protocols', headers: {}, protocol: 'v5.channel.k8s.io', ms: 3 });
    await write?.(opts);
    return status;
  };
  return { fn, calls };
}
const success: Status = { metadata: {}, status: 'Success' };
const exitWith = (n: number): Status => ({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: `command terminated with non-zero exit code: exit status ${n}`, details: { causes: [{ reason: 'ExitCode', message: String(n) }] } });

test('the query is exactly what kubectl 1.32 sends (real-clients.md A3)', () => {
  const q = (command: string[], o: { stdin?: boolean; tty?: boolean } = {}) => encodeQuery(execQuery({ command, container: 'ctr', stdin: !!o.stdin, tty: !!o.tty }));
  assert.equal(q(['date']), 'command=date&container=ctr&stderr=true&stdout=true');
  assert.equal(q(['sh', '-c', 'echo hi; exit 3']), 'command=sh&command=-c&command=echo+hi%3B+exit+3&container=ctr&stderr=true&stdout=true');
  assert.equal(q(['sh'], { stdin: true, tty: true }), 'command=sh&container=ctr&stdin=true&stdout=true&tty=true');
  assert.equal(q(['cat'], { stdin: true }), 'command=cat&container=ctr&stderr=true&stdin=true&stdout=true');
});

test('GETs the pod, then streams to the URL built from the returned pod; exit 0 on Success', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')]);
  const fake = fakeStream(success, (o) => { o.stdout!.write('out\n'); o.stderr!.write('err\n'); });
  const r = await kubectl(s.kubeconfig, ['exec', 'web', '--', 'sh', '-c', 'echo hi; exit 3'], { streamExec: fake.fn });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'out\n', 'err\n']);
  assert.deepEqual(s.seen.map((x) => `${x.method} ${x.url}`), ['GET /api/v1/namespaces/default/pods/web']);
  assert.equal(s.seen[0].headers.accept, 'application/json, */*');
  assert.equal(fake.calls[0].url, `${s.url}/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=echo+hi%3B+exit+3&container=web&stderr=true&stdout=true`);
  assert.equal(fake.calls[0].opts.protocols, undefined, 'each transport offers its own protocols (WebSocket: v5 only; SPDY: v5 … v1)');
  assert.equal(fake.calls[0].opts.tty, false);
  assert.equal(fake.calls[0].opts.stdin, undefined);
  assert.equal(fake.calls[0].opts.headers?.['Kubectl-Command'], 'kubectl exec');
});

test('a non-zero exit: "command terminated with exit code N" and exit N', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')]);
  for (const n of [1, 42, 255]) {
    const r = await kubectl(s.kubeconfig, ['exec', 'web', '--', 'false'], { streamExec: fakeStream(exitWith(n)).fn });
    assert.deepEqual([r.code, r.stderr], [n, `command terminated with exit code ${n}\n`]);
  }
  const other = await kubectl(s.kubeconfig, ['exec', 'web', '--', 'x'], { streamExec: fakeStream({ metadata: {}, status: 'Failure', message: 'boom' }).fn });
  assert.deepEqual([other.code, other.stderr], [1, 'error: boom\n']);
  const bad = await kubectl(s.kubeconfig, ['exec', 'web', '--', 'x'], { streamExec: fakeStream({ ...exitWith(0), details: { causes: [{ reason: 'ExitCode', message: '300' }] } }).fn });
  assert.deepEqual([bad.code, bad.stderr], [1, 'error: error stream protocol error: invalid exit code value "300"\n']);
});

test('a refused upgrade prints the server\'s Status', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')]);
  const refuse: StreamExec = async () => { throw Object.assign(new Error('upgrade refused'), { statusCode: 400, status: { metadata: {}, status: 'Failure', reason: 'BadRequest', message: 'container nope is not valid for pod web', code: 400 } }); };
  const r = await kubectl(s.kubeconfig, ['exec', 'web', '-c', 'nope', '--', 'ls'], { streamExec: refuse });
  assert.deepEqual([r.code, r.stderr], [1, 'Error from server (BadRequest): container nope is not valid for pod web\n']);
});

test('container defaulting: annotation, else the first one with a notice; -c is not checked client-side', async (t) => {
  const two = pod('multi', { spec: { containers: [{ name: 'a' }, { name: 'b' }] } });
  const annotated = pod('ann', { spec: { containers: [{ name: 'a' }, { name: 'b' }] } });
  annotated.metadata.annotations = { 'kubectl.kubernetes.io/default-container': 'b' };
  const s = await fakeAPIServer(t, [two, annotated]);
  let fake = fakeStream(success);
  let r = await kubectl(s.kubeconfig, ['exec', 'multi', '--', 'ls'], { streamExec: fake.fn });
  assert.equal(r.stderr, 'Defaulted container "a" out of: a, b\n');
  assert.match(fake.calls[0].url, /container=a&/);
  fake = fakeStream(success);
  r = await kubectl(s.kubeconfig, ['exec', 'ann', '--', 'ls'], { streamExec: fake.fn });
  assert.equal(r.stderr, '');
  assert.match(fake.calls[0].url, /container=b&/);
  fake = fakeStream(success);
  r = await kubectl(s.kubeconfig, ['exec', 'multi', '-q', '-c', 'zzz', '--', 'ls'], { streamExec: fake.fn });
  assert.equal(r.stderr, '');
  assert.match(fake.calls[0].url, /container=zzz&/);
});

test('a refusal in plain text (the kubelet\'s, relayed) prints as the real kubectl prints it after its SPDY fallback', async (t) => {
  const { UpgradeError } = await import('../../../src/remotecommand/websocket-client.ts');
  const s = await fakeAPIServer(t, [pod('web')]);
  const refuse: StreamExec = async () => { throw new UpgradeError(500, undefined, 'container not found ("web")'); };
  const r = await kubectl(s.kubeconfig, ['exec', 'web', '--', 'ls'], { streamExec: refuse });
  assert.deepEqual([r.code, r.stderr], [1, 'error: unable to upgrade connection: container not found ("web")\n']);
});

test('completed pods, a missing pod, no command, no pod, the old syntax', async (t) => {
  const s = await fakeAPIServer(t, [pod('done', { status: { phase: 'Succeeded' } }), pod('failed', { status: { phase: 'Failed' } })]);
  const never: StreamExec = async () => { throw new Error('must not be called'); };
  const cases: [string[], string][] = [
    [['exec', 'done', '--', 'ls'], 'error: cannot exec into a container in a completed pod; current phase is Succeeded\n'],
    [['exec', 'failed', '--', 'ls'], 'error: cannot exec into a container in a completed pod; current phase is Failed\n'],
    [['exec', 'nope', '--', 'ls'], 'Error from server (NotFound): pods "nope" not found\n'],
    [['exec', 'done'], 'error: you must specify at least one command for the container\n'],
    [['exec'], 'error: pod, type/name or --filename must be specified\n'],
    [['exec', 'done', 'ls'], 'error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n'],
  ];
  for (const [argv, stderr] of cases) {
    const r = await kubectl(s.kubeconfig, argv, { streamExec: never });
    assert.deepEqual([r.code, r.stderr], [1, stderr], argv.join(' '));
  }
});

test('-i pipes stdin; -t without a terminal is dropped, with kubectl\'s notice when -i asked for it', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')]);
  let fake = fakeStream(success, async (o) => { for await (const c of o.stdin!) o.stdout!.write(c); });
  let r = await kubectl(s.kubeconfig, ['exec', '-i', 'web', '--', 'cat'], { stdin: 'hello\n', streamExec: fake.fn });
  assert.deepEqual([r.code, r.stdout], [0, 'hello\n']);
  assert.match(fake.calls[0].url, /stderr=true&stdin=true&stdout=true$/);
  fake = fakeStream(success);
  r = await kubectl(s.kubeconfig, ['exec', '-it', 'web', '--', 'sh'], { streamExec: fake.fn });
  assert.equal(r.stderr, 'Unable to use a TTY - input is not a terminal or the right kind of file\n');
  assert.match(fake.calls[0].url, /stderr=true&stdin=true&stdout=true$/);
  assert.equal(fake.calls[0].opts.tty, false);
  fake = fakeStream(success);
  r = await kubectl(s.kubeconfig, ['exec', '-t', 'web', '--', 'ls'], { streamExec: fake.fn });
  assert.equal(r.stderr, '');
  assert.match(fake.calls[0].url, /container=web&stderr=true&stdout=true$/);
});

test('-v=7 shows both requests and the 101', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')]);
  const r = await kubectl(s.kubeconfig, ['exec', 'web', '-v=7', '--', 'date'], { streamExec: fakeStream(success).fn });
  const msgs = r.stderr.split('\n').filter(Boolean).map((l) => l.slice(l.indexOf('] ') + 2));
  assert.deepEqual(msgs.filter((m) => /^(GET|Response Status)/.test(m)).map((m) => m.replace(/\d+ milliseconds/, 'N milliseconds')), [
    `GET ${s.url}/api/v1/namespaces/default/pods/web`,
    'Response Status: 200 OK in N milliseconds',
    `GET ${s.url}/api/v1/namespaces/default/pods/web/exec?command=date&container=web&stderr=true&stdout=true`,
    'Response Status: 101 Switching Protocols in N milliseconds',
  ]);
  assert.ok(msgs.includes('    Sec-Websocket-Protocol: v5.channel.k8s.io'));
  assert.ok(msgs.includes('The subprotocol is v5.channel.k8s.io'));
});
