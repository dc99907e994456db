// KubeletServer with a fake runtime: its routes, getExec's refusals in the kubelet's words, and the two
// destinations (an executor served here, or a runtime URL proxied to).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { KubeletServer } from '../../../src/kubelet/server.ts';
import { PodManager } from '../../../src/kubelet/pod-manager.ts';
import type { ExecDestination, KubeletRuntime } from '../../../src/kubelet/runtime.ts';
import type { Pod } from '../../../src/api/types.ts';

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { nodeName: 'node-1', containers: [{ name: 'nginx' }] } };

async function start(t: TestContext, dest: () => ExecDestination) {
  const podManager = new PodManager();
  podManager.addOrUpdate(pod);
  const asked: unknown[] = [];
  const runtime: KubeletRuntime = {
    syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {},
    getExec: async (p, container, cmd, opts) => { asked.push({ pod: p.metadata.name, container, cmd, opts }); return dest(); },
    metrics: () => 'kubelet_runtime_operations_total 1\n',
  };
  const server = new KubeletServer({ nodeName: 'node-1', podManager, runtime });
  const url = await server.listen();
  t.after(() => server.close());
  return { url, asked };
}

async function raw(port: number, request: string): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  let out = '';
  sock.on('data', (c) => { out += c.toString('latin1'); });
  sock.write(request);
  await once(sock, 'close');
  return out;
}
const upgrade = (path: string) => `GET ${path} HTTP/1.1\r\nHost: k\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`;
const bodyOf = (r: string) => JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4));

test('/healthz, /pods, /metrics and unknown paths', async (t) => {
  const { url } = await start(t, () => assert.fail('no exec'));
  assert.equal(await (await fetch(new URL('/healthz', url))).text(), 'ok');
  const pods = await (await fetch(new URL('/pods', url))).json() as { kind: string; items: Pod[] };
  assert.equal(pods.kind, 'PodList');
  assert.deepEqual(pods.items.map((p) => p.metadata.name), ['web']);
  assert.match(await (await fetch(new URL('/metrics', url))).text(), /kubelet_runtime_operations_total 1/);
  const missing = await fetch(new URL('/nope', url));
  assert.equal(missing.status, 404);
});

// The real kubelet's errors are plain text (go-restful's WriteError, http.Error, streaming.WriteError), never a Status.
const textOf = (r: string) => {
  assert.match(r, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  return r.slice(r.indexOf('\r\n\r\n') + 4);
};

test('a plain GET of an exec route goes as far as GetExec (a token spent), then 500 "Upgrade request required" in plain text', async (t) => {
  const { url, asked } = await start(t, () => ({ kind: 'url', url: 'http://127.0.0.1:1/exec/token' }));
  const res = await fetch(new URL('/exec/default/web/nginx?command=date&output=1', url));
  assert.equal(res.status, 500);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(await res.text(), 'Upgrade request required\n');
  assert.equal(asked.length, 1, 'the runtime was asked, as the real kubelet asks CRI Exec before its proxy sees no upgrade');
  const none = await fetch(new URL('/exec/default/web/nginx?command=date', url));
  assert.deepEqual([none.status, await none.text()], [400, 'you must specify at least 1 of stdin, stdout, stderr']);
  assert.equal(asked.length, 1);
});

test('an upgrade for a pod the kubelet does not have: 404 "pod does not exist"; a uid in the path is not compared', async (t) => {
  const { url, asked } = await start(t, () => ({ kind: 'url', url: 'http://127.0.0.1:1/exec/token' }));
  const r = await raw(Number(url.port), upgrade('/exec/default/other/nginx?command=date&output=1'));
  assert.match(r, /^HTTP\/1\.1 404 /);
  assert.equal(textOf(r), 'pod does not exist');
  assert.equal(asked.length, 0);
  // FindPod goes by the pod's full name when it has one, and the kubelet always does: the uid is ignored.
  await raw(Number(url.port), upgrade('/exec/default/web/wrong-uid/nginx?command=date&output=1'));
  assert.deepEqual(asked.map((a) => (a as { pod: string }).pod), ['web']);
});

test('an upgrade asking for no stream: 400 in plain text, before the pod is looked up (remotecommand NewOptions)', async (t) => {
  const { url, asked } = await start(t, () => assert.fail('no exec'));
  for (const q of ['command=date&output=true', 'command=date', 'command=date&tty=1&error=1']) {
    const r = await raw(Number(url.port), upgrade(`/exec/default/missing/nginx?${q}`));
    assert.match(r, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(textOf(r), 'you must specify at least 1 of stdin, stdout, stderr', q);
  }
  assert.equal(asked.length, 0);
});

test('runtime errors are written as streaming.WriteError does: a plain error 500, NotFound 404, a full cache 429 with Retry-After', async (t) => {
  const { StatusError, tooManyRequests } = await import('../../../src/api/status.ts');
  const errors: unknown[] = [
    new Error('container not found ("nginx")'),
    new StatusError({ metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'runtime shim node-1: rpc error: code = NotFound desc = no such container' }),
    tooManyRequests('runtime shim node-1: rpc error: code = ResourceExhausted desc = maximum number of in-flight requests exceeded', 60),
  ];
  let next = 0;
  const { url } = await start(t, () => { throw errors[next++]; });
  const answers = [];
  for (let i = 0; i < errors.length; i++) answers.push(await raw(Number(url.port), upgrade('/exec/default/web/nginx?command=date&output=1')));
  assert.match(answers[0], /^HTTP\/1\.1 500 Internal Server Error\r\n/);
  assert.equal(textOf(answers[0]), 'container not found ("nginx")');
  assert.match(answers[1], /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.equal(textOf(answers[1]), 'runtime shim node-1: rpc error: code = NotFound desc = no such container');
  assert.match(answers[2], /^HTTP\/1\.1 429 Too Many Requests\r\n/);
  assert.match(answers[2], /\r\nRetry-After: 60\r\n/);
  assert.equal(textOf(answers[2]), 'runtime shim node-1: rpc error: code = ResourceExhausted desc = maximum number of in-flight requests exceeded');
});

test('a method other than GET or POST on an exec route: go-restful\'s 405 with Allow', async (t) => {
  const { url, asked } = await start(t, () => assert.fail('no exec'));
  const res = await fetch(new URL('/exec/default/web/nginx?command=date&output=1', url), { method: 'PUT' });
  assert.deepEqual([res.status, res.headers.get('allow'), await res.text()], [405, 'GET, POST', '405: Method Not Allowed']);
  assert.equal(asked.length, 0);
});

test('a runtime URL destination is proxied: the runtime sees the upgrade, the client gets its 101', async (t) => {
  let seen = '';
  const runtimeServer = createServer((sock: Socket) => {
    sock.once('data', (c) => { seen = c.toString('latin1'); sock.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nfrom-runtime'); });
  }).listen(0, '127.0.0.1');
  await once(runtimeServer, 'listening');
  t.after(() => runtimeServer.close());
  const rport = (runtimeServer.address() as AddressInfo).port;
  const { url, asked } = await start(t, () => ({ kind: 'url', url: `http://127.0.0.1:${rport}/exec/abcdefgh` }));
  const r = await raw(Number(url.port), upgrade('/exec/default/web/uid-1/nginx?command=sh&command=-c&command=echo+hi&error=1&output=1&tty=1'));
  assert.match(r, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.ok(r.endsWith('from-runtime'));
  assert.match(seen, /^GET \/exec\/abcdefgh HTTP\/1\.1\r\n/);
  assert.deepEqual(asked, [{ pod: 'web', container: 'nginx', cmd: ['sh', '-c', 'echo hi'], opts: { stdin: false, stdout: true, stderr: false, tty: true } }]);
});

test('a redirect destination answers 302 to the runtime URL', async (t) => {
  const { url } = await start(t, () => ({ kind: 'url', url: 'http://127.0.0.1:1/exec/tok', redirect: true }));
  const r = await raw(Number(url.port), upgrade('/exec/default/web/nginx?command=date&output=1'));
  assert.match(r, /^HTTP\/1\.1 302 Found\r\nLocation: http:\/\/127\.0\.0\.1:1\/exec\/tok\r\n/);
});

test('POST (the SPDY upgrade) reaches getExec as GET does', async (t) => {
  const { url, asked } = await start(t, () => ({ kind: 'url', url: 'http://127.0.0.1:1/exec/tok', redirect: true }));
  const r = await raw(Number(url.port), 'POST /exec/default/web/nginx?command=date&output=1 HTTP/1.1\r\nHost: k\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
  assert.match(r, /^HTTP\/1\.1 302 Found\r\n/);
  assert.equal(asked.length, 1);
});
