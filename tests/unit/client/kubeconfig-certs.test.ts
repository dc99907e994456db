// Client certificates in a kubeconfig: -data fields (base64 PEM) or files relative to the kubeconfig, both halves
// or a clear error, and sent only to an https server; what the workbook writes for chapter 9 loads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfig } from '../../../src/client/kubeconfig.ts';
import { RESTClient } from '../../../src/client/rest-client.ts';
import { kubeconfigYAML } from '../../../src/workbook/kubeconfig.ts';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'kubeconfig-certs-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('what the workbook writes loads back: the CA, and the user\'s certificate and key (or token)', (t) => {
  const d = dir(t);
  const file = join(d, 'config');
  writeFileSync(file, kubeconfigYAML('https://127.0.0.1:6443', 'workbook', { caPEM: 'CA PEM\n', user: { name: 'alice', certPEM: 'CERT PEM\n', keyPEM: 'KEY PEM\n' } }));
  const cfg = loadClientConfig({ kubeconfig: file });
  assert.equal(cfg.ca?.toString(), 'CA PEM\n');
  assert.equal(cfg.cert?.toString(), 'CERT PEM\n');
  assert.equal(cfg.key?.toString(), 'KEY PEM\n');
  const tls = RESTClient.fromConfig(cfg).tlsOptions();
  assert.deepEqual([String(tls.cert), String(tls.key), tls.rejectUnauthorized], ['CERT PEM\n', 'KEY PEM\n', true]);

  writeFileSync(file, kubeconfigYAML('https://127.0.0.1:6443', 'workbook', { caPEM: 'CA', user: { name: 'bob', token: 'bob-token' } }));
  const withToken = loadClientConfig({ kubeconfig: file });
  assert.equal(RESTClient.fromConfig(withToken).authHeaders().Authorization, 'Bearer bob-token');
});

test('client-certificate and client-key files are relative to the kubeconfig; one without the other is an error', (t) => {
  const d = dir(t);
  mkdirSync(join(d, 'pki'));
  writeFileSync(join(d, 'pki', 'a.crt'), 'CERT FILE');
  writeFileSync(join(d, 'pki', 'a.key'), 'KEY FILE');
  const file = join(d, 'config');
  const write = (user: string) => writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\nusers:\n- name: a\n  user:\n${user}\ncontexts:\n- name: c\n  context: {cluster: c, user: a}\ncurrent-context: c\n`);
  write('    client-certificate: pki/a.crt\n    client-key: pki/a.key');
  const cfg = loadClientConfig({ kubeconfig: file });
  assert.deepEqual([cfg.cert?.toString(), cfg.key?.toString()], ['CERT FILE', 'KEY FILE']);
  write('    client-certificate: pki/a.crt');
  assert.throws(() => loadClientConfig({ kubeconfig: file }), /client-key-data or client-key must be specified for a to use the clientCert authentication method\./);
});

test('over plain http the certificate is not offered, as the token is not', () => {
  const tls = RESTClient.fromConfig({ server: 'http://127.0.0.1:1', cert: Buffer.from('C'), key: Buffer.from('K'), token: 't', namespace: 'default', loadedFiles: [] });
  assert.equal(tls.tlsOptions().cert, undefined);
  assert.equal(tls.authHeaders().Authorization, undefined);
});
