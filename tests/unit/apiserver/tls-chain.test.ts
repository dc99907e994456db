// TLS on every hop of exec: the real kubectl verifies the API server against the cluster CA and presents a
// client certificate; the API server dials the kubelet over HTTPS with its own client certificate and verifies
// the kubelet's; a Node whose address points at some other HTTPS server fails the handshake, and nothing
// reaches that server's handler.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ClusterPKI } from '../../../src/pki/pki.ts';
import { certificateUser } from '../../../src/pki/identity.ts';
import { APIServer } from '../../../src/apiserver/server.ts';
import { execSubresource } from '../../../src/apiserver/exec/rest.ts';
import { KubeletExecBackend } from '../../../src/apiserver/exec/kubelet.ts';
import { plannedSubresources } from '../../../src/apiserver/subresources.ts';
import { kubeletClientTLS, secureServingOptions } from '../../../src/apiserver/secure-serving.ts';
import { tlsDialer } from '../../../src/proxy/tls-dial.ts';
import { KubeletServer } from '../../../src/kubelet/server.ts';
import { PodManager } from '../../../src/kubelet/pod-manager.ts';
import { KubeletAuthenticator } from '../../../src/kubelet/auth/authenticator.ts';
import { KubeletFrontDoor, type Authorizer } from '../../../src/kubelet/auth/front-door.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import type { Node, Pod } from '../../../src/api/types.ts';
import { writeKubeconfig } from '../../../src/workbook/kubeconfig.ts';

const kubectlOnPath = await new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)));

const ourKubectl = fileURLToPath(new URL('../../../src/kubectl/main.ts', import.meta.url));

// The real kubectl, or ours (`ours`), with a kubeconfig.
function kubectl(kubeconfig: string, args: string[], ours = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, pre] = ours ? [process.execPath, ['--import', 'tsx', ourKubectl]] : ['kubectl', []];
  return new Promise((resolve) => {
    execFile(cmd, [...pre, '--kubeconfig', kubeconfig, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function cluster(t: TestContext, verifyKubelets = true) {
  const state = mkdtempSync(join(tmpdir(), 'tls-chain-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const pki = await ClusterPKI.open(state);
  const serving = await pki.apiServer();
  const kubeletClient = await pki.apiServerKubeletClient();
  const caFile = pki.caFile;
  const toKubelets = kubeletClientTLS({
    'kubelet-client-certificate': kubeletClient.certFile, 'kubelet-client-key': kubeletClient.keyFile,
    ...(verifyKubelets ? { 'kubelet-certificate-authority': caFile } : {}),
  })!;
  // As the chapter-9 API server gets them: the real flags, read by secureServingOptions.
  const tls = secureServingOptions({ 'tls-cert-file': serving.certFile, 'tls-private-key-file': serving.keyFile, 'client-ca-file': caFile });
  const seenUsers: string[] = [];
  const api = new APIServer({
    name: 'apiserver', stateDir: state, log: () => {}, tls,
    subresources: {
      ...plannedSubresources(),
      'pods/exec': execSubresource((ctx) => new KubeletExecBackend({
        getNode: (name) => ctx.nodes.get(undefined, name),
        preferredAddressTypes: ['InternalIP'],
        scheme: 'https',
        proxy: { dial: tlsDialer(toKubelets) },
      })),
    },
  });
  // Who kubectl is, as a TLS server sees it (authentication proper is chapter 9's other half).
  (api as unknown as { http: import('node:https').Server }).http.on('secureConnection', (s: TLSSocket) => {
    const u = certificateUser(s);
    if (u) seenUsers.push(u.name);
  });
  const url = await api.listen(0);
  t.after(() => api.close());
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  return { state, pki, api, url, seenUsers };
}

async function addNode(api: APIServer, name: string, port: number): Promise<void> {
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } } as Node;
  await api.nodes.create(undefined, node);
}

async function addPod(api: APIServer, name: string, nodeName: string): Promise<Pod> {
  return api.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'app', image: 'busybox' }] } } as Pod);
}

test('the real kubectl over TLS: verifies the API server against the CA, presents its client certificate; another CA is refused', { skip: kubectlOnPath ? false : 'the real kubectl is not on PATH' }, async (t) => {
  const c = await cluster(t);
  const admin = await c.pki.admin();
  const kubeconfig = join(c.state, 'kubeconfig');
  writeKubeconfig(kubeconfig, c.url, { caPEM: c.pki.caPEM, user: { name: 'kubernetes-admin', certPEM: admin.certPEM, keyPEM: admin.keyPEM } });
  const ok = await kubectl(kubeconfig, ['get', '--raw', '/version']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /"gitVersion"/);
  assert.ok(c.seenUsers.includes('kubernetes-admin'), `the server saw the client certificate: ${c.seenUsers}`);

  const other = await ClusterPKI.open(join(c.state, 'other'));
  const wrong = join(c.state, 'wrong-ca');
  writeKubeconfig(wrong, c.url, { caPEM: other.caPEM, user: { certPEM: admin.certPEM, keyPEM: admin.keyPEM } });
  const refused = await kubectl(wrong, ['get', '--raw', '/version']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /x509: certificate signed by unknown authority/);
  const oursRefused = await kubectl(wrong, ['get', 'pods'], true);
  // The real one adds Go's hint when the unknown CA has our CA's name ("possibly because of ..."): ours does not.
  assert.deepEqual([oursRefused.code, oursRefused.stderr], [1, 'Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority\n']);
  const oursOK = await kubectl(kubeconfig, ['get', 'pods'], true);
  assert.deepEqual([oursOK.code, oursOK.stderr], [0, 'No resources found in default namespace.\n']);
});

test('exec through TLS: the API server presents kube-apiserver-kubelet-client to a kubelet that checks it, and the command runs', { skip: kubectlOnPath ? false : 'the real kubectl is not on PATH' }, async (t) => {
  const c = await cluster(t);
  const container = join(c.state, 'containers', 'web');
  mkdirSync(container, { recursive: true });
  const podManager = new PodManager();
  const asked: string[] = [];
  // Only the API server's kubelet client may exec here (as RBAC's system:kubelet-api-admin would say).
  const authorizer: Authorizer = { authorize: async (a) => { asked.push(`${a.user.name} ${a.verb} nodes/${a.subresource}`); return { decision: a.user.name === 'kube-apiserver-kubelet-client' ? 'Allow' : 'Deny', reason: '' }; } };
  const kserving = await c.pki.kubeletServing('node-1');
  const kubelet = new KubeletServer({
    nodeName: 'node-1', podManager, log: () => {},
    runtime: {
      syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {},
      getExec: async (_pod, _ctr, cmd) => ({ kind: 'executor', executor: new LocalExecutor({ hop: 'kubelet node-1' }), target: { container, cmd } }),
    },
    tls: { cert: kserving.certPEM, key: kserving.keyPEM, ca: c.pki.caPEM, requestCert: true, rejectUnauthorized: false },
    frontDoor: new KubeletFrontDoor({ nodeName: 'node-1', authenticator: new KubeletAuthenticator({ anonymous: false }), authorizer }),
  });
  const kurl = await kubelet.listen();
  t.after(() => kubelet.close());
  await addNode(c.api, 'node-1', Number(kurl.port));
  podManager.addOrUpdate(await addPod(c.api, 'web', 'node-1'));

  const user = await c.pki.user('bob', ['dev']);
  const kubeconfig = join(c.state, 'kubeconfig');
  writeKubeconfig(kubeconfig, c.url, { caPEM: c.pki.caPEM, user: { name: 'bob', certPEM: user.certPEM, keyPEM: user.keyPEM } });
  const r = await kubectl(kubeconfig, ['exec', 'web', '--', 'echo', 'hello over TLS']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'hello over TLS\n');
  assert.equal(r.code, 0);
  // Ours too: the same kubeconfig, the same client certificate on the exec upgrade.
  const mine = await kubectl(kubeconfig, ['exec', 'web', '--', 'echo', 'ours over TLS'], true);
  assert.deepEqual([mine.code, mine.stdout, mine.stderr], [0, 'ours over TLS\n', '']);
  // The WebSocket GET travels to the kubelet as a GET (verb get); SPDY's POST would be create. Either way the
  // kubelet saw the API server, not bob: bob's certificate stops at the API server.
  assert.equal(asked.length, 2);
  for (const a of asked) assert.match(a, /^kube-apiserver-kubelet-client (get|create) nodes\/proxy$/);
});

for (const verify of [true, false]) {
  const what = verify ? 'the handshake fails with Go\'s words, and that server never sees a request'
    : 'without --kubelet-certificate-authority (kubeadm\'s default) nothing is verified: the impostor gets the exec';
  test(`a Node pointing at some other HTTPS server: ${what}`, async (t) => {
    const c = await cluster(t, verify);
    // Someone else's server, its certificate from another CA (a lookalike: CN, O and SANs all "right").
    const other = await ClusterPKI.open(join(c.state, 'impostor'));
    const fake = await other.kubeletServing('node-evil');
    const handled: string[] = [];
    const impostor = https.createServer({ cert: fake.certPEM, key: fake.keyPEM }, (req, res) => { handled.push(req.url ?? ''); res.end(); });
    impostor.on('upgrade', (req, socket) => { handled.push(`upgrade ${req.url}`); socket.destroy(); });
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => { impostor.closeAllConnections(); impostor.close(() => r()); }));
    await addNode(c.api, 'node-evil', (impostor.address() as AddressInfo).port);
    await addPod(c.api, 'victim', 'node-evil');

    // The exec upgrade as kubectl sends it, over TLS with a client certificate.
    const bob = await c.pki.user('bob');
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const upgraded = (code: number) => (verify ? reject(new Error('upgraded to an impostor')) : resolve({ code, body: '' }));
      const req = https.request(`${c.url}/api/v1/namespaces/default/pods/victim/exec?command=id&stdout=true`, {
        ca: c.pki.caPEM, cert: bob.certPEM, key: bob.keyPEM, agent: false,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' },
      }, (res) => { let body = ''; res.on('data', (d) => { body += d; }); res.on('end', () => resolve({ code: res.statusCode ?? 0, body })); });
      req.on('upgrade', (res, socket) => { socket.destroy(); upgraded(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    });
    if (!verify) {
      // The impostor was handed the exec, its command line and all (it closes it unanswered: a 500 for the client).
      assert.deepEqual(handled, ['upgrade /exec/default/victim/app?command=id&output=1']);
      return;
    }
    assert.equal(status.code, 500);
    assert.equal(JSON.parse(status.body).message, 'kubelet node-evil: error dialing backend: tls: failed to verify certificate: x509: certificate signed by unknown authority');
    assert.deepEqual(handled, []);
  });
}

// CVE-2018-1002105 through TLS: a kubelet that refuses the upgrade has its refusal relayed and its connection closed;
// bytes the client sent after the upgrade request (a second request riding the same connection) never reach it.
test('a refused upgrade over TLS: the kubelet\'s 403 is relayed, the connection closed, the pipelined request dropped', async (t) => {
  const c = await cluster(t);
  const podManager = new PodManager();
  const asked: string[] = [];
  const authorizer: Authorizer = { authorize: async (a) => { asked.push(`${a.verb} ${a.path}`); return { decision: 'Deny', reason: '' }; } };
  const kserving = await c.pki.kubeletServing('node-1');
  const kubelet = new KubeletServer({
    nodeName: 'node-1', podManager, log: () => {},
    runtime: { syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {}, getExec: async () => assert.fail('no exec') },
    tls: { cert: kserving.certPEM, key: kserving.keyPEM, ca: c.pki.caPEM, requestCert: true, rejectUnauthorized: false },
    frontDoor: new KubeletFrontDoor({ nodeName: 'node-1', authenticator: new KubeletAuthenticator({ anonymous: false }), authorizer }),
  });
  const kurl = await kubelet.listen();
  t.after(() => kubelet.close());
  await addNode(c.api, 'node-1', Number(kurl.port));
  podManager.addOrUpdate(await addPod(c.api, 'web', 'node-1'));

  const bob = await c.pki.user('bob');
  const sock = tlsConnect({ host: '127.0.0.1', port: Number(new URL(c.url).port), ca: c.pki.caPEM, cert: bob.certPEM, key: bob.keyPEM });
  let raw = '';
  sock.on('data', (d: Buffer) => { raw += d.toString('latin1'); });
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  sock.write('GET /api/v1/namespaces/default/pods/web/exec?command=id&stdout=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
    + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n'
    + 'GET /pods HTTP/1.1\r\nHost: kubelet\r\n\r\n');
  await closed;
  assert.match(raw, /^HTTP\/1\.1 403 /);
  assert.ok(raw.endsWith('Forbidden (user=kube-apiserver-kubelet-client, verb=get, resource=nodes, subresource(s)=[proxy])\n'), raw);
  assert.deepEqual(asked, ['get /exec/default/web/app'], 'one request reached the kubelet: the pipelined GET /pods was dropped with the refusal');
});

test('garbage and plain HTTP on the API server\'s TLS port: dropped, and the next client is served', async (t) => {
  const c = await cluster(t);
  const { port } = new URL(c.url);
  for (const bytes of ['GET /version HTTP/1.1\r\nHost: x\r\n\r\n', '\x16\x03\x01\x00\x05hello garbage', '\x16\x03\x01']) {
    const sock = netConnect(Number(port), '127.0.0.1');
    sock.on('error', () => {});
    sock.resume();
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.end(bytes);
    await closed;
  }
  const admin = await c.pki.admin();
  const version = await new Promise<number>((resolve, reject) => {
    https.get(`${c.url}/version`, { ca: c.pki.caPEM, cert: admin.certPEM, key: admin.keyPEM, agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
  assert.equal(version, 200);
});
