// The REST client against a local HTTP server: URLs and query encoding, headers, JSON, Status errors, timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESTClient, Accept, encodeQuery } from '../../../src/client/rest-client.ts';
import { ConnectionError } from '../../../src/client/errors.ts';
import { StatusError } from '../../../src/api/status.ts';
import { KlogLogger } from '../../../src/client/klog.ts';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

async function serve(t: { after: (fn: () => Promise<void>) => void }, handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => { seen.push({ method: req.method!, url: req.url!, headers: req.headers, body }); handler(req, res, body); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (res: http.ServerResponse, code: number, obj: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };

test('query encoding is Go url.Values.Encode: sorted keys, repeated values, + for space, %3B and %3D', () => {
  assert.equal(encodeQuery({ stdout: 'true', command: ['sh', '-c', 'echo hi; exit 3'], container: 'ctr', stderr: 'true' }),
    'command=sh&command=-c&command=echo+hi%3B+exit+3&container=ctr&stderr=true&stdout=true');
  assert.equal(encodeQuery({ watch: 'true', fieldSelector: 'metadata.name=nginx', resourceVersion: '0' }),
    'fieldSelector=metadata.name%3Dnginx&resourceVersion=0&watch=true');
  assert.equal(encodeQuery({ labelSelector: undefined, limit: '500', x: "a*b~c!'()" }), 'limit=500&x=a%2Ab~c%21%27%28%29');
});

test('GET sends Accept, User-Agent, token and hidden headers; parses JSON', async (t) => {
  const { url, seen } = await serve(t, (_req, res) => json(res, 200, { kind: 'PodList', items: [] }));
  const c = new RESTClient({ server: url + '/', token: 'tok', userAgent: 'kubelet/v1 (linux/amd64) kubernetes/x', headers: { 'Kubectl-Command': 'kubectl get' } });
  const list = await c.get<{ kind: string }>('/api/v1/namespaces/default/pods', { limit: '500', labelSelector: 'run=web' }, { accept: Accept.table });
  assert.equal(list.kind, 'PodList');
  assert.equal(seen[0].url, '/api/v1/namespaces/default/pods?labelSelector=run%3Dweb&limit=500');
  assert.equal(seen[0].headers.accept, Accept.table);
  assert.equal(seen[0].headers['user-agent'], 'kubelet/v1 (linux/amd64) kubernetes/x');
  assert.equal(seen[0].headers.authorization, 'Bearer tok');
  assert.equal(seen[0].headers['kubectl-command'], 'kubectl get');
});

test('POST sends a JSON body with its Content-Type', async (t) => {
  const { url, seen } = await serve(t, (_req, res, body) => json(res, 201, JSON.parse(body)));
  const c = new RESTClient({ server: url });
  const got = await c.post<{ a: number }>('/x', { a: 1 }, { fieldManager: 'kubectl-run' });
  assert.deepEqual(got, { a: 1 });
  assert.equal(seen[0].headers['content-type'], 'application/json');
  assert.equal(seen[0].body, '{"a":1}\n');
  assert.equal(seen[0].url, '/x?fieldManager=kubectl-run');
});

test('a Status body becomes a StatusError carrying that Status', async (t) => {
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 };
  const { url } = await serve(t, (_req, res) => json(res, 404, status));
  const err = await new RESTClient({ server: url }).get('/api/v1/namespaces/default/pods/x').catch((e: unknown) => e);
  assert.ok(err instanceof StatusError);
  assert.deepEqual(err.status, status);
  assert.equal(err.code, 404);
});

test('a non-Status error body gets client-go\'s generic words for its code', async (t) => {
  const { url } = await serve(t, (_req, res) => { res.writeHead(404); res.end('404 page not found'); });
  const err = await new RESTClient({ server: url }).get('/nope').catch((e: unknown) => e);
  assert.ok(err instanceof StatusError);
  assert.equal(err.status.reason, 'NotFound');
  assert.equal(err.status.message, 'the server could not find the requested resource');
});

test('a timeout rejects with a ConnectionError naming the server', async (t) => {
  const { url } = await serve(t, () => { /* never answers */ });
  const err = await new RESTClient({ server: url, timeoutMs: 50 }).get('/slow').catch((e: unknown) => e);
  assert.ok(err instanceof ConnectionError, String(err));
  assert.match(err.message, /timed out after 50ms/);
  assert.equal(err.code, 'ETIMEDOUT');
});

test('connection refused is a ConnectionError with ECONNREFUSED', async () => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const err = await new RESTClient({ server: `http://127.0.0.1:${port}` }).get('/version').catch((e: unknown) => e);
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.code, 'ECONNREFUSED');
});

test('requests are logged at -v=6 with the real URL and status', async (t) => {
  const { url } = await serve(t, (_req, res) => json(res, 200, {}));
  const lines: string[] = [];
  const c = new RESTClient({ server: url, logger: new KlogLogger(6, (l) => lines.push(l)) });
  await c.get('/api', { timeout: '32s' });
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`^I\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} +\\d+ round_trippers\\.go:560\\] GET ${url}/api\\?timeout=32s 200 OK in \\d+ milliseconds\\n$`));
});
