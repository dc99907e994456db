// The kubelet's front door over real TLS: no certificate or one from another CA is 401 "Unauthorized" on every
// path; a valid certificate is asked about with a SubjectAccessReview (nodes/proxy for exec) and refused with the
// kubelet's own 403 words or let through to the 101; bearer tokens go through a TokenReview.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpServer } from 'node:http';
import https from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { ClusterPKI, type CertFiles } from '../../../../src/pki/pki.ts';
import { certificateUser } from '../../../../src/pki/identity.ts';
import { KubeletServer } from '../../../../src/kubelet/server.ts';
import { PodManager } from '../../../../src/kubelet/pod-manager.ts';
import type { KubeletRuntime } from '../../../../src/kubelet/runtime.ts';
import type { Pod } from '../../../../src/api/types.ts';
import { RESTClient } from '../../../../src/client/rest-client.ts';
import { KubeletAuthenticator } from '../../../../src/kubelet/auth/authenticator.ts';
import { KubeletFrontDoor } from '../../../../src/kubelet/auth/front-door.ts';
import { WebhookAuthorizer } from '../../../../src/kubelet/auth/webhook-authorizer.ts';

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'node-1', containers: [{ name: 'app' }] } };
const execPath = '/exec/default/web/app?command=id&output=1';

interface Review { kind: string; spec: any; caller?: string }

// A fake API server over HTTPS: answers SubjectAccessReviews with `allow(spec)` and TokenReviews from `tokens`.
async function fakeAPIServer(t: TestContext, pki: ClusterPKI, allow: (spec: any) => boolean, tokens: Record<string, string> = {}) {
  const serving = await pki.apiServer();
  const reviews: Review[] = [];
  const gate = { held: undefined as Promise<void> | undefined, arrived: () => {} };
  const server = https.createServer({ cert: serving.certPEM, key: serving.keyPEM, ca: pki.caPEM, requestCert: true, rejectUnauthorized: false }, async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    gate.arrived();
    if (gate.held) await gate.held;
    const review = JSON.parse(body);
    reviews.push({ kind: review.kind, spec: review.spec, caller: certificateUser(req.socket as TLSSocket)?.name });
    if (review.kind === 'TokenReview') {
      const user = tokens[review.spec.token];
      review.status = user ? { authenticated: true, user: { username: user, groups: ['dev'] } } : { authenticated: false, error: 'invalid token' };
    } else {
      const ok = allow(review.spec);
      review.status = ok ? { allowed: true, reason: 'RBAC: allowed' } : { allowed: false };
    }
    res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify(review));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, reviews, gate, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

async function setup(t: TestContext, allow: (spec: any) => boolean, tokens?: Record<string, string>, anonymous = false) {
  const state = mkdtempSync(join(tmpdir(), 'front-door-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const pki = await ClusterPKI.open(state);
  const api = await fakeAPIServer(t, pki, allow, tokens);
  // The runtime's streaming server: anything that reaches it answers 101 and says so.
  const reached: string[] = [];
  const runtimeServer = createHttpServer();
  runtimeServer.on('upgrade', (req, socket) => { reached.push(req.url ?? ''); socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'); });
  await new Promise<void>((r) => runtimeServer.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { runtimeServer.closeAllConnections(); runtimeServer.close(() => r()); }));
  const runtimeURL = `http://127.0.0.1:${(runtimeServer.address() as AddressInfo).port}/exec/token`;

  const kubeletClient = await pki.kubeletClient('node-1');
  const client = new RESTClient({ server: api.url, ca: pki.caPEM, cert: kubeletClient.certPEM, key: kubeletClient.keyPEM });
  const authorizer = new WebhookAuthorizer({ client });
  const podManager = new PodManager();
  podManager.addOrUpdate(pod);
  const runtime: KubeletRuntime = {
    syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {},
    getExec: async () => ({ kind: 'url', url: runtimeURL }),
    metrics: () => 'kubelet_runtime_operations_total 1\n',
  };
  const serving = await pki.kubeletServing('node-1');
  const logs: string[] = [];
  const kubelet = new KubeletServer({
    nodeName: 'node-1', podManager, runtime, log: (l) => logs.push(l),
    tls: { cert: serving.certPEM, key: serving.keyPEM, ca: pki.caPEM, requestCert: true, rejectUnauthorized: false },
    frontDoor: new KubeletFrontDoor({ nodeName: 'node-1', authenticator: new KubeletAuthenticator({ anonymous, tokenReview: client }), authorizer }),
  });
  const url = await kubelet.listen();
  t.after(() => kubelet.close());
  assert.equal(url.protocol, 'https:');
  return { pki, api, url, reached, authorizer, logs };
}

// One raw request over TLS (an upgrade, or a plain GET), and the whole answer.
async function send(url: URL, ca: string, who: CertFiles | undefined, head: string): Promise<{ code: number; body: string }> {
  const sock = tlsConnect({ host: '127.0.0.1', port: Number(url.port), ca, cert: who?.certPEM, key: who?.keyPEM });
  let raw = '';
  sock.on('data', (c: Buffer) => { raw += c.toString('latin1'); });
  sock.on('error', () => {});
  await once(sock, 'secureConnect');
  sock.write(head);
  await once(sock, 'close');
  const [status = '', body = ''] = raw.split('\r\n\r\n');
  return { code: Number(status.split(' ')[1]), body };
}
const upgrade = (method: 'GET' | 'POST', path: string, extra = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: k\r\n${extra}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`;
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: k\r\n${extra}Connection: close\r\n\r\n`;

test('no client certificate: 401 Unauthorized on /exec, /pods, /metrics and /healthz, and nothing reaches the runtime', async (t) => {
  const k = await setup(t, () => true);
  for (const head of [upgrade('GET', execPath), upgrade('POST', execPath), get('/pods'), get('/metrics'), get('/healthz'), get('/run/default/web/app')]) {
    assert.deepEqual(await send(k.url, k.pki.caPEM, undefined, head), { code: 401, body: 'Unauthorized' }, head.split('\r\n')[0]);
  }
  assert.deepEqual(k.reached, []);
  assert.deepEqual(k.api.reviews, [], 'no credential, no question to the API server');
});

test('a certificate from another CA names nobody: 401, even with the right CN and O', async (t) => {
  const k = await setup(t, () => true);
  const other = await ClusterPKI.open(mkdtempSync(join(tmpdir(), 'other-ca-')));
  const forged = await other.certificate('forged', { commonName: 'kube-apiserver-kubelet-client', organization: ['system:masters'], usages: ['clientAuth'] });
  assert.deepEqual(await send(k.url, k.pki.caPEM, forged, upgrade('POST', execPath)), { code: 401, body: 'Unauthorized' });
  assert.deepEqual(await send(k.url, k.pki.caPEM, forged, get('/pods')), { code: 401, body: 'Unauthorized' });
  assert.deepEqual(k.reached, []);
});

test('a valid certificate whose SubjectAccessReview is denied: 403 in the kubelet\'s words; the review names nodes/proxy', async (t) => {
  const k = await setup(t, (spec) => spec.user !== 'alice');
  const alice = await k.pki.user('alice', ['dev']);
  assert.deepEqual(await send(k.url, k.pki.caPEM, alice, upgrade('POST', execPath)),
    { code: 403, body: 'Forbidden (user=alice, verb=create, resource=nodes, subresource(s)=[proxy])\n' });
  assert.deepEqual(await send(k.url, k.pki.caPEM, alice, upgrade('GET', execPath)),
    { code: 403, body: 'Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[proxy])\n' });
  assert.equal((await send(k.url, k.pki.caPEM, alice, get('/metrics'))).body, 'Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[metrics])\n');
  assert.deepEqual(k.reached, []);
  const first = k.api.reviews[0]!;
  assert.equal(first.kind, 'SubjectAccessReview');
  assert.equal(first.caller, 'system:node:node-1', 'the kubelet asks with its own client certificate');
  assert.deepEqual(first.spec, {
    user: 'alice', groups: ['dev', 'system:authenticated'],
    resourceAttributes: { verb: 'create', group: '', version: 'v1', resource: 'nodes', subresource: 'proxy', name: 'node-1', namespace: '' },
  });
});

test('the API server\'s kubelet client certificate, allowed: the exec is proxied to the runtime (101); answers are cached', async (t) => {
  const k = await setup(t, (spec) => spec.user === 'kube-apiserver-kubelet-client');
  const apiserver = await k.pki.apiServerKubeletClient();
  const r = await send(k.url, k.pki.caPEM, apiserver, upgrade('POST', execPath));
  assert.equal(r.code, 101);
  assert.deepEqual(k.reached, ['/exec/token']);
  await send(k.url, k.pki.caPEM, apiserver, upgrade('POST', execPath));
  assert.equal(k.authorizer.requests, 1, 'the second exec was allowed from the cache (5 min for allowed answers)');
  const pods = await send(k.url, k.pki.caPEM, apiserver, get('/pods'));
  assert.equal(pods.code, 200);
});

test('bearer tokens: one the API server vouches for is a user (then authorized); an unknown one is 401, never anonymous', async (t) => {
  const k = await setup(t, (spec) => spec.user === 'bob', { 'bob-token': 'bob' });
  const ok = await send(k.url, k.pki.caPEM, undefined, upgrade('POST', execPath, 'Authorization: Bearer bob-token\r\n'));
  assert.equal(ok.code, 101);
  const bad = await send(k.url, k.pki.caPEM, undefined, upgrade('POST', execPath, 'Authorization: Bearer nope\r\n'));
  assert.deepEqual(bad, { code: 401, body: 'Unauthorized' });
  assert.deepEqual(k.api.reviews.filter((r) => r.kind === 'TokenReview').map((r) => r.spec.token), ['bob-token', 'nope']);
});

test('the API server unreachable for the review: 500 "Authorization error (...)", never allowed', async (t) => {
  const k = await setup(t, () => true);
  await k.api.close();
  const alice = await k.pki.user('alice');
  assert.deepEqual(await send(k.url, k.pki.caPEM, alice, upgrade('POST', execPath)),
    { code: 500, body: 'Authorization error (user=alice, verb=create, resource=nodes, subresource=proxy)' });
  assert.deepEqual(k.reached, []);
});

test('garbage, a half request and a client gone mid-review harm nothing: the kubelet answers the next one', async (t) => {
  const k = await setup(t, (spec) => spec.user === 'kube-apiserver-kubelet-client');
  const apiserver = await k.pki.apiServerKubeletClient();
  const port = Number(k.url.port);
  // Plain HTTP (and then bytes that are no TLS at all) to the TLS port.
  for (const bytes of ['GET /pods HTTP/1.1\r\nHost: k\r\n\r\n', '\x16\x03\x01\x00\x05hello garbage']) {
    const sock = (await import('node:net')).connect(port, '127.0.0.1');
    sock.on('error', () => {});
    sock.resume();
    sock.end(bytes);
    await once(sock, 'close');
  }
  // A verified client that sends half a request head, then leaves.
  const half = tlsConnect({ host: '127.0.0.1', port, ca: k.pki.caPEM, cert: apiserver.certPEM, key: apiserver.keyPEM });
  half.on('error', () => {});
  await once(half, 'secureConnect');
  half.write('POST /exec/default/web/app?command=id HTTP/1.1\r\nHost: k\r\nConnection: Up');
  half.destroy();
  // A client that leaves while its SubjectAccessReview is in flight: allowed afterwards, nothing starts for it.
  let release!: () => void;
  k.api.gate.held = new Promise<void>((r) => { release = r; });
  const arrived = new Promise<void>((r) => { k.api.gate.arrived = r; });
  const leaver = tlsConnect({ host: '127.0.0.1', port, ca: k.pki.caPEM, cert: apiserver.certPEM, key: apiserver.keyPEM });
  leaver.on('error', () => {});
  await once(leaver, 'secureConnect');
  leaver.write(upgrade('POST', execPath));
  await arrived;
  const left = once(leaver, 'close');
  leaver.destroy();
  await left;
  k.api.gate.held = undefined;
  release();
  // The next exec is served (the allowed answer, cached now, lets it straight through).
  const r = await send(k.url, k.pki.caPEM, apiserver, upgrade('POST', execPath));
  assert.equal(r.code, 101);
  assert.deepEqual(k.reached, ['/exec/token'], 'only the client that stayed reached the runtime');
});

test('--anonymous-auth=true (the old flag default): no certificate is system:anonymous, asked about like anyone, and refused', async (t) => {
  const k = await setup(t, (spec) => !spec.groups.includes('system:unauthenticated'), {}, true);
  assert.deepEqual(await send(k.url, k.pki.caPEM, undefined, upgrade('POST', execPath)),
    { code: 403, body: 'Forbidden (user=system:anonymous, verb=create, resource=nodes, subresource(s)=[proxy])\n' });
  assert.deepEqual(k.api.reviews[0]!.spec.groups, ['system:unauthenticated']);
  assert.deepEqual(k.reached, []);
});

test('--anonymous-auth=true: a certificate from another CA is still 401, never anonymous; with a vouched-for token it is that user', async (t) => {
  const k = await setup(t, () => true, { 'tok-1': 'alice' }, true);
  const other = await ClusterPKI.open(mkdtempSync(join(tmpdir(), 'other-ca-')));
  const forged = await other.certificate('forged', { commonName: 'kube-apiserver-kubelet-client', usages: ['clientAuth'] });
  assert.deepEqual(await send(k.url, k.pki.caPEM, forged, get('/pods')), { code: 401, body: 'Unauthorized' });
  assert.equal(k.api.reviews.length, 0, 'not asked about as system:anonymous');
  // union.New: the token authenticator answers where x509 failed.
  assert.equal((await send(k.url, k.pki.caPEM, forged, get('/pods', 'Authorization: Bearer tok-1\r\n'))).code, 200);
  assert.deepEqual(k.api.reviews.map((r) => [r.kind, r.spec.user]), [['TokenReview', undefined], ['SubjectAccessReview', 'alice']]);
});
