import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { plannedSubresources } from '../../../../src/apiserver/subresources.ts';
import type { ExecBackend, PodExecOptions } from '../../../../src/apiserver/exec/backend.ts';
import type { Pod } from '../../../../src/api/types.ts';

// A backend that proves it was reached: it answers 101 and one line naming what it received.
class FakeBackend implements ExecBackend {
  calls: { pod: Pod; options: PodExecOptions; method?: string }[] = [];
  connect(req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, _head: Buffer, pod: Pod, options: PodExecOptions): void {
    this.calls.push({ pod, options, method: req.method });
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\nreached ${options.container}`);
  }
}

async function start(t: TestContext) {
  const backend = new FakeBackend();
  const server = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', log: () => {},
    subresources: { ...plannedSubresources(), 'pods/exec': execSubresource(() => backend) } });
  const url = await server.listen(0);
  t.after(() => server.close());
  const create = async (name: string, containers: string[], phase?: string) => {
    const res = await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name }, spec: { containers: containers.map((c) => ({ name: c, image: 'busybox' })) } }) });
    assert.equal(res.status, 201);
    if (phase) {
      // No status subresource in this checkpoint: write the phase through storage, as a kubelet would via pods/status.
      await server.pods.guaranteedUpdate('default', name, (p) => ({ ...p, status: { ...p.status, phase: phase as 'Succeeded' } }));
    }
  };
  return { server, url, backend, create };
}

// Sends a raw upgrade request the way kubectl does (WebSocket GET, or the SPDY POST fallback) and returns everything the server wrote.
function upgrade(url: string, path: string, kind: 'websocket' | 'spdy', method = kind === 'websocket' ? 'GET' : 'POST'): Promise<{ code: number; body: string; raw: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1');
    const headers = kind === 'websocket'
      ? `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`
      : `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`;
    let raw = '';
    sock.on('data', (c) => { raw += c.toString(); });
    sock.on('end', () => { sock.destroy(); const [head, body = ''] = raw.split('\r\n\r\n'); resolve({ code: Number(head.split(' ')[1]), body, raw }); });
    sock.on('error', reject);
    sock.write(headers);
  });
}

const q = 'command=date&stderr=true&stdout=true';

test('a valid exec reaches the backend with the container defaulted, over both WebSocket GET and SPDY POST', async (t) => {
  const { url, backend, create } = await start(t);
  await create('web', ['app']);
  for (const kind of ['websocket', 'spdy'] as const) {
    const r = await upgrade(url, `/api/v1/namespaces/default/pods/web/exec?${q}`, kind);
    assert.equal(r.code, 101);
    assert.equal(r.body, 'reached app');
  }
  assert.deepEqual(backend.calls.map((c) => c.method), ['GET', 'POST']);
  assert.deepEqual(backend.calls[0].options, { stdin: false, stdout: true, stderr: true, tty: false, container: 'app', command: ['date'] });
  assert.equal(backend.calls[0].pod.metadata.name, 'web');
});

test('every refusal is a Status on the raw socket, the same for the WebSocket attempt and the SPDY fallback', async (t) => {
  const { url, backend, create } = await start(t);
  await create('two', ['a', 'b']);
  await create('done', ['c'], 'Succeeded');
  await create('one', ['c']);
  const cases: [string, number, string][] = [
    [`/api/v1/namespaces/default/pods/missing/exec?${q}`, 404, 'pods "missing" not found'],
    [`/api/v1/namespaces/default/pods/two/exec?${q}`, 400, 'a container name must be specified for pod two, choose one of: [a b]'],
    [`/api/v1/namespaces/default/pods/two/exec?${q}&container=zz`, 400, 'container zz is not valid for pod two'],
  ];
  for (const [path, code, message] of cases) {
    for (const kind of ['websocket', 'spdy'] as const) {
      const r = await upgrade(url, path, kind);
      assert.equal(r.code, code, `${kind} ${path}`);
      assert.match(r.raw, /\r\nContent-Type: application\/json\r\n/);
      const status = JSON.parse(r.body);
      assert.deepEqual([status.kind, status.status, status.message], ['Status', 'Failure', message], `${kind} ${path}`);
    }
  }
  assert.equal(backend.calls.length, 0, 'no refused request reaches the backend');
});

test('a completed pod, no stream or no command is not the API server\'s to refuse: the backend gets them', async (t) => {
  const { url, backend, create } = await start(t);
  await create('done', ['c'], 'Succeeded');
  await create('one', ['c']);
  for (const path of [`/api/v1/namespaces/default/pods/done/exec?${q}`, '/api/v1/namespaces/default/pods/one/exec?command=date', '/api/v1/namespaces/default/pods/one/exec?stdout=true']) {
    assert.equal((await upgrade(url, path, 'websocket')).code, 101, path);
  }
  assert.deepEqual(backend.calls.map((c) => [c.pod.metadata.name, c.options.stdout, c.options.command]), [['done', true, ['date']], ['one', false, ['date']], ['one', true, []]]);
});

test('a method other than GET or POST on pods/exec: 405 as go-restful answers it, through the API server\'s serviceErrorHandler', async (t) => {
  const { url, backend, create } = await start(t);
  await create('web', ['app']);
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const res = await fetch(`${url}/api/v1/namespaces/default/pods/web/exec?${q}`, { method });
    const status = await res.json() as Record<string, unknown>;
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), null, 'the Allow header is lost on the way, as upstream');
    assert.deepEqual(status, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 405, reason: 'MethodNotAllowed',
      message: 'the server does not allow this method on the requested resource',
      details: { causes: [{ reason: 'UnexpectedServerResponse', message: '405: Method Not Allowed' }] },
    });
  }
  const put = await upgrade(url, `/api/v1/namespaces/default/pods/web/exec?${q}`, 'websocket', 'PUT');
  assert.equal(put.code, 405);
  assert.equal(JSON.parse(put.body).reason, 'MethodNotAllowed');
  assert.equal(backend.calls.length, 0);
});

test('a plain GET or POST without Upgrade is 400 "Upgrade request required"', async (t) => {
  const { url, create } = await start(t);
  await create('web', ['app']);
  const res = await fetch(`${url}/api/v1/namespaces/default/pods/web/exec?${q}`, { method: 'POST' });
  const status = await res.json() as { message: string; reason: string };
  assert.deepEqual([res.status, status.reason, status.message], [400, 'BadRequest', 'Upgrade request required']);
});

test('an upgrade to a subresource not served yet gets its Status; to a non-streaming path, 404', async (t) => {
  const { url } = await start(t);
  const attach = await upgrade(url, '/api/v1/namespaces/default/pods/web/attach?stdout=true', 'websocket');
  assert.deepEqual([attach.code, JSON.parse(attach.body).message], [400, 'pods/attach is not served yet: it arrives in chapter 10 (siblings)']);
  const nope = await upgrade(url, '/api/v1/namespaces/default/pods', 'websocket');
  assert.equal(nope.code, 404);
});

test('the real kubectl shows ExecREST\'s refusals as "Error from server", after its SPDY fallback, and exits 1', async (t) => {
  const { execFile } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const has = await new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)));
  if (!has) return t.skip('the real kubectl is not on PATH');
  const { url, backend, create } = await start(t);
  await create('two', ['a', 'b']);
  const dir = mkdtempSync(join(tmpdir(), 'execrest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: '${url}'}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n`);
  const kubectl = (...args: string[]) => new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') }, timeout: 60_000 },
      (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }));
  });
  const unknown = await kubectl('exec', 'two', '-c', 'zz', '--', 'date');
  assert.deepEqual([unknown.code, unknown.stderr], [1, 'Error from server (BadRequest): container zz is not valid for pod two\n']);
  const missing = await kubectl('exec', 'missing', '--', 'date');
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error from server (NotFound): pods "missing" not found\n']);
  assert.equal(backend.calls.length, 0);
});
