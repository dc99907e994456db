// The TLS dialer's failures in Go's words: an unknown authority, a certificate for another address; and a
// verified dial that presents the client certificate.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ClusterPKI } from '../../../src/pki/pki.ts';
import { certificateUser } from '../../../src/pki/identity.ts';
import { tlsDialer } from '../../../src/proxy/tls-dial.ts';
import { describeDialError } from '../../../src/proxy/upgrade-aware.ts';

async function serve(t: TestContext, cert: string, key: string, ca?: string) {
  const seen: string[] = [];
  const server = createServer({ cert, key, ca, requestCert: !!ca, rejectUnauthorized: false }, (s: TLSSocket) => { seen.push(certificateUser(s)?.name ?? 'anonymous'); s.end(); });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/exec`), seen };
}

async function dialError(dial: (u: URL) => TLSSocket, url: URL): Promise<string> {
  const s = dial(url);
  const [err] = await once(s, 'error') as [NodeJS.ErrnoException];
  return describeDialError(err, url);
}

test('failed handshakes read as Go\'s crypto/tls and x509', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'tls-dial-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const pki = await ClusterPKI.open(join(state, 'a'));
  const other = await ClusterPKI.open(join(state, 'b'));
  const foreign = await other.kubeletServing('node-1');
  const a = await serve(t, foreign.certPEM, foreign.keyPEM);
  assert.equal(await dialError(tlsDialer({ ca: pki.caPEM }), a.url), 'tls: failed to verify certificate: x509: certificate signed by unknown authority');
  const elsewhere = await pki.certificate('elsewhere', { commonName: 'system:node:node-2', usages: ['serverAuth'], altNames: { ips: ['127.0.0.2'], dnsNames: ['node-2'] } });
  const b = await serve(t, elsewhere.certPEM, elsewhere.keyPEM);
  assert.equal(await dialError(tlsDialer({ ca: pki.caPEM }), b.url), 'tls: failed to verify certificate: x509: certificate is valid for 127.0.0.2, not 127.0.0.1');
  // Plain TCP failures keep their words.
  assert.equal(describeDialError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), new URL('https://127.0.0.1:1/')), 'dial tcp 127.0.0.1:1: connect: connection refused');
});

test('a verified dial presents the client certificate', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'tls-dial-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const pki = await ClusterPKI.open(state);
  const serving = await pki.kubeletServing('node-1');
  const s = await serve(t, serving.certPEM, serving.keyPEM, pki.caPEM);
  const client = await pki.apiServerKubeletClient();
  const sock = tlsDialer({ ca: pki.caPEM, cert: client.certPEM, key: client.keyPEM })(s.url);
  await once(sock, 'secureConnect');
  await once(sock, 'close');
  assert.deepEqual(s.seen, ['kube-apiserver-kubelet-client']);
  assert.throws(() => tlsDialer({})(new URL('http://127.0.0.1:1/')), /unsupported scheme http:/);
});
