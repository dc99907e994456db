// The cluster PKI: one CA per state folder, made once and reused, private keys 0600, leaves that chain to it
// with kubeadm's names, and client certificates read back as users over a real TLS connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ClusterPKI } from '../../../src/pki/pki.ts';
import { certificateUser } from '../../../src/pki/identity.ts';

function tempState(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('one CA per state folder: made once, reused by every later open, its key readable by the owner only', async (t) => {
  const state = tempState(t);
  // Three opens racing, as components starting together would: one CA comes out.
  const [a, b, c] = await Promise.all([ClusterPKI.open(state), ClusterPKI.open(state), ClusterPKI.open(state)]);
  assert.equal(a.caPEM, b.caPEM);
  assert.equal(a.caPEM, c.caPEM);
  const again = await ClusterPKI.open(state);
  assert.equal(again.caPEM, a.caPEM, 'a second open reuses the CA on disk');
  assert.equal(statSync(join(state, 'pki', 'ca.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(state, 'pki')).mode & 0o777, 0o700);
  const ca = new X509Certificate(readFileSync(join(state, 'pki', 'ca.crt')));
  assert.equal(ca.ca, true);
  assert.equal(ca.subject, 'CN=kubernetes');
  assert.equal(ca.checkIssued(ca), true, 'self-signed');
});

test('leaves chain to the CA with kubeadm names, SANs for the loopback names, and are reused', async (t) => {
  const pki = await ClusterPKI.open(tempState(t));
  const ca = new X509Certificate(pki.caPEM);
  const serving = await pki.apiServer();
  const cert = new X509Certificate(serving.certPEM);
  assert.equal(cert.checkIssued(ca), true);
  assert.equal(cert.verify(ca.publicKey), true);
  assert.equal(cert.ca, false);
  assert.equal(cert.subject, 'CN=kube-apiserver');
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'serverAuth only');
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(statSync(serving.keyFile).mode & 0o777, 0o600);
  assert.equal((await pki.apiServer()).certPEM, serving.certPEM, 'made once');

  const client = new X509Certificate((await pki.apiServerKubeletClient()).certPEM);
  assert.equal(client.subject, 'O=kubeadm:cluster-admins\nCN=kube-apiserver-kubelet-client');
  assert.deepEqual(client.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'clientAuth only');
  assert.equal(new X509Certificate((await pki.kubeletClient('node-1')).certPEM).subject, 'O=system:nodes\nCN=system:node:node-1');
  assert.equal(new X509Certificate((await pki.admin()).certPEM).subject, 'O=kubeadm:cluster-admins\nCN=kubernetes-admin');
  assert.equal(new X509Certificate((await pki.scheduler()).certPEM).subject, 'CN=system:kube-scheduler');
  const kubelet = new X509Certificate((await pki.kubeletServing('node-2')).certPEM);
  assert.equal(kubelet.checkHost('localhost'), 'localhost');
  assert.notEqual((await pki.kubeletServing('node-1')).certPEM, (await pki.kubeletServing('node-2')).certPEM);
});

test('names that are not file names never reach a path', async (t) => {
  const pki = await ClusterPKI.open(tempState(t));
  await assert.rejects(pki.user('../../etc/evil'), /not a certificate name/);
  await assert.rejects(pki.kubeletServing('a/b'), /not a certificate name/);
  await assert.rejects(pki.user('Alice'), /not a certificate name/);
});

test('RSA-2048 works too (kubeadm\'s default algorithm)', async (t) => {
  const pki = await ClusterPKI.open(tempState(t), { algorithm: 'RSA-2048' });
  const leaf = new X509Certificate((await pki.user('carol', ['dev'])).certPEM);
  assert.equal(leaf.publicKey.asymmetricKeyType, 'rsa');
  assert.equal(leaf.verify(new X509Certificate(pki.caPEM).publicKey), true);
});

test('over TLS: a client certificate from this CA names its user and groups; one from another CA names nobody', async (t) => {
  const pki = await ClusterPKI.open(tempState(t));
  const other = await ClusterPKI.open(tempState(t));
  const serving = await pki.apiServer();
  const seen: unknown[] = [];
  const server = https.createServer({ key: serving.keyPEM, cert: serving.certPEM, ca: pki.caPEM, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    seen.push(certificateUser(req.socket as TLSSocket) ?? 'anonymous');
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const port = (server.address() as AddressInfo).port;
  const get = (opts: https.RequestOptions) => new Promise<number>((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', agent: false, ...opts }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
  });
  const alice = await pki.user('alice', ['dev', 'ops']);
  assert.equal(await get({ ca: pki.caPEM, cert: alice.certPEM, key: alice.keyPEM }), 200);
  const mallory = await other.user('alice', ['system:masters']);
  assert.equal(await get({ ca: pki.caPEM, cert: mallory.certPEM, key: mallory.keyPEM }), 200);
  assert.equal(await get({ ca: pki.caPEM }), 200);
  // A certificate from the right CA but for serving only (no clientAuth usage) names nobody either: OpenSSL's
  // INVALID_PURPOSE, as x509.go requires ExtKeyUsageClientAuth.
  const servingOnly = await pki.kubeletServing('node-2');
  assert.equal(await get({ ca: pki.caPEM, cert: servingOnly.certPEM, key: servingOnly.keyPEM }), 200);
  // The server is verified too: a client trusting another CA refuses it.
  await assert.rejects(get({ ca: other.caPEM }), /self.signed|unable to verify|certificate/i);
  assert.deepEqual(seen, [{ name: 'alice', groups: ['dev', 'ops'] }, 'anonymous', 'anonymous', 'anonymous']);
});
