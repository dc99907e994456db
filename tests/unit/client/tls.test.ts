// The REST client over https: trust from certificate-authority(-data), insecure-skip-tls-verify, and the token sent only over TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { RESTClient } from '../../../src/client/rest-client.ts';
import { loadClientConfig } from '../../../src/client/kubeconfig.ts';
import { ConnectionError } from '../../../src/client/errors.ts';

const openssl = (process.env.PATH ?? '').split(':').find((d) => d && existsSync(join(d, 'openssl')));

test('https with a self-signed certificate', { skip: openssl ? false : 'openssl is not on PATH: cannot make a test certificate' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'client-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);

  const auth: (string | undefined)[] = [];
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    auth.push(req.headers.authorization);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"major":"1","minor":"32"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Untrusted: the TLS error names the server.
  const untrusted = await new RESTClient({ server: url }).get('/version').catch((e: unknown) => e);
  assert.ok(untrusted instanceof ConnectionError, String(untrusted));
  assert.match(untrusted.message, new RegExp(`^${url}: .*(self.signed|certificate)`, 'i'));

  // Trusted through a kubeconfig's certificate-authority-data; the token goes along over TLS.
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${readFileSync(cert).toString('base64')}\nusers:\n- name: u\n  user:\n    token: s3cret\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`);
  const trusted = RESTClient.fromConfig(loadClientConfig({ kubeconfig }));
  assert.deepEqual(await trusted.get('/version'), { major: '1', minor: '32' });
  assert.equal(auth.at(-1), 'Bearer s3cret');

  // insecure-skip-tls-verify accepts it without a CA.
  assert.deepEqual(await new RESTClient({ server: url, insecureSkipTLSVerify: true }).get('/version'), { major: '1', minor: '32' });
});
