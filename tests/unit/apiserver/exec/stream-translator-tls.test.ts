// The translating backend to an https kubelet: the translator and the proxy reach it through the same dial (chapter
// 9's TLS seam), so a translated WebSocket and a passed-through SPDY exec both work, and a kubelet with another CA is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { TranslatingExecBackend } from '../../../../src/apiserver/exec/translating-backend.ts';
import { serveRemoteCommand } from '../../../../src/remotecommand/serve-stream.ts';
import { streamExec } from '../../../../src/remotecommand/websocket-client.ts';
import { streamExecSpdy } from '../../../../src/remotecommand/spdy-client.ts';
import { exitCodeFromStatus } from '../../../../src/remotecommand/status.ts';
import { LocalExecutor } from '../../../../src/exec/local.ts';
import type { Node, Pod } from '../../../../src/api/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'translator-tls-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function selfSigned(name: string): { key: Buffer; cert: Buffer } | undefined {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.crt`)) };
  } catch { return undefined; }
}

test('https kubelet: a translated WebSocket and a passed-through SPDY exec share the dial; another CA is refused', async (t) => {
  const kubeletPem = selfSigned('kubelet');
  const otherPem = selfSigned('other');
  if (!kubeletPem || !otherPem) return t.skip('no openssl CLI to make certificates');
  const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const kubelet = createHttpsServer({ key: kubeletPem.key, cert: kubeletPem.cert });
  kubelet.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    const u = new URL(req.url ?? '/', 'https://x');
    const one = (k: string) => u.searchParams.get(k) === '1';
    void serveRemoteCommand(req, socket, head, { executor, target: { container: dir, cmd: u.searchParams.getAll('command') },
      options: { stdin: one('input'), stdout: one('output'), stderr: one('error'), tty: one('tty') } });
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  t.after(() => { kubelet.closeAllConnections(); return new Promise((r) => kubelet.close(r)); });
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: (kubelet.address() as AddressInfo).port } } } };

  const apiServer = async (ca: Buffer) => {
    const dial = (location: URL) => tlsConnect({ host: location.hostname, port: Number(location.port), ca, servername: undefined });
    const server = new APIServer({ name: 'apiserver', stateDir: dir, log: () => {}, subresources: {
      'pods/exec': execSubresource(() => new TranslatingExecBackend({ getNode: async () => node, preferredAddressTypes: ['InternalIP'], scheme: 'https', proxy: { dial } })),
    } });
    const url = await server.listen(0);
    await server.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'x' }] } } as Pod);
    t.after(() => server.close());
    return `${url}/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=echo+over+tls%3B+exit+6&container=web&stdout=true`;
  };
  const sink = () => { let text = ''; return { w: new Writable({ write(c, _e, cb) { text += c; cb(); } }), text: () => text }; };

  const good = await apiServer(kubeletPem.cert);
  const ws = sink();
  assert.equal(exitCodeFromStatus(await streamExec(good, { stdout: ws.w, tty: false })), 6);
  assert.equal(ws.text(), 'over tls\n', 'translated: WebSocket v5 here, SPDY over TLS to the kubelet');
  const spdy = sink();
  assert.equal(exitCodeFromStatus(await streamExecSpdy(good, { stdout: spdy.w, tty: false })), 6);
  assert.equal(spdy.text(), 'over tls\n', 'passed through by the proxy, over the same TLS dial');

  const bad = await apiServer(otherPem.cert);
  const refused = await streamExec(bad, { stdout: sink().w, tty: false });
  assert.equal(refused.reason, 'InternalError');
  assert.match(refused.message ?? '', /^Internal error occurred: error sending request: Post "https:\/\/127\.0\.0\.1:\d+\/exec\/default\/web\/web\?.*": .*(self[- ]signed|certificate)/i);
});
