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

test('a plain GET of an exec route: Upgrade request required', async (t) => {
  const { url } = await start(t, () => assert.fail('no exec'));
  const res = await fetch(new URL('/exec/default/web/nginx?command=date&output=1', url));
  assert.equal(res.status, 400);
  assert.equal((await res.json() as { message: string }).message, 'kubelet node-1: Upgrade request required');
});

test('an upgrade for a pod the kubelet does not have: 404 pod does not exist', async (t) => {
  const { url, asked } = await start(t, () => assert.fail('no exec'));
  for (const path of ['/exec/default/other/nginx?command=date&output=1', '/exec/default/web/wrong-uid/nginx?command=date&output=1']) {
    const r = await raw(Number(url.port), upgrade(path));
    assert.match(r, /^HTTP\/1\.1 404 /);
    assert.equal(bodyOf(r).message, 'kubelet node-1: pod does not exist');
  }
  assert.equal(asked.length, 0);
});

test('an upgrade asking for no stream: 400 in the kubelet\'s words', async (t) => {
  const { url } = await start(t, () => assert.fail('no exec'));
  const r = await raw(Number(url.port), upgrade('/exec/default/web/nginx?command=date&output=true'));
  assert.match(r, /^HTTP\/1\.1 400 /);
  assert.equal(bodyOf(r).message, 'kubelet node-1: you must specify at least 1 of stdin, stdout, stderr');
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
