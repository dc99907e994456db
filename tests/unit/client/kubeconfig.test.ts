// kubeconfig loading: file precedence, merging, contexts, CA and token handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfig, kubeconfigFiles, KubeconfigError } from '../../../src/client/kubeconfig.ts';
import { RESTClient } from '../../../src/client/rest-client.ts';

function fixture(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
  return { dir, write };
}

const one = (server: string, opts: { ctx?: string; ns?: string; token?: string; extra?: string } = {}) => `
apiVersion: v1
kind: Config
clusters:
- name: c-${opts.ctx ?? 'a'}
  cluster:
    server: ${server}
${opts.extra ?? ''}
users:
- name: u-${opts.ctx ?? 'a'}
  user:
    token: ${opts.token ?? 'tok'}
contexts:
- name: ${opts.ctx ?? 'a'}
  context:
    cluster: c-${opts.ctx ?? 'a'}
    user: u-${opts.ctx ?? 'a'}
${opts.ns ? `    namespace: ${opts.ns}` : ''}
current-context: ${opts.ctx ?? 'a'}
`;

test('--kubeconfig names the only file, which must exist', (t) => {
  const { write, dir } = fixture(t);
  const f = write('k', one('http://127.0.0.1:1'));
  const cfg = loadClientConfig({ kubeconfig: f, env: { KUBECONFIG: '/nonexistent' } });
  assert.equal(cfg.server, 'http://127.0.0.1:1');
  assert.equal(cfg.namespace, 'default');
  assert.deepEqual(cfg.loadedFiles, [f]);
  assert.throws(() => loadClientConfig({ kubeconfig: join(dir, 'missing'), env: {} }), KubeconfigError);
});

test('KUBECONFIG is a colon-separated list: the first file to set a value wins, missing files are skipped', (t) => {
  const { write, dir } = fixture(t);
  const a = write('a', one('http://127.0.0.1:1', { ctx: 'a', ns: 'team-a' }));
  const b = write('b', one('http://127.0.0.1:2', { ctx: 'b' }) + '\n');
  const cfg = loadClientConfig({ env: { KUBECONFIG: `${join(dir, 'nope')}:${a}:${b}` } });
  assert.equal(cfg.server, 'http://127.0.0.1:1');
  assert.equal(cfg.namespace, 'team-a');
  assert.deepEqual(cfg.loadedFiles, [a, b]);
  // --context picks a context defined only in the second file.
  const other = loadClientConfig({ env: { KUBECONFIG: `${a}:${b}` }, context: 'b' });
  assert.equal(other.server, 'http://127.0.0.1:2');
  assert.equal(other.namespace, 'default');
  assert.throws(() => loadClientConfig({ env: { KUBECONFIG: a }, context: 'zzz' }), /context was not found for specified context: zzz/);
});

test('falls back to ~/.kube/config', (t) => {
  const { dir } = fixture(t);
  mkdirSync(join(dir, '.kube'));
  writeFileSync(join(dir, '.kube', 'config'), one('http://127.0.0.1:3'));
  assert.deepEqual(kubeconfigFiles({ env: {}, home: dir }).files, [join(dir, '.kube', 'config')]);
  assert.equal(loadClientConfig({ env: { HOME: dir } }).server, 'http://127.0.0.1:3');
});

test('no cluster at all falls back to http://localhost:8080, as kubectl does', () => {
  assert.equal(loadClientConfig({ env: { HOME: '/nonexistent-home' } }).server, 'http://localhost:8080');
});

test('flags override the kubeconfig: --server, --token, -n', (t) => {
  const { write } = fixture(t);
  const f = write('k', one('http://127.0.0.1:1', { ns: 'x' }));
  const cfg = loadClientConfig({ kubeconfig: f, server: 'https://127.0.0.1:9/', token: 'flag-token', namespace: 'ns2' });
  assert.equal(cfg.server, 'https://127.0.0.1:9');
  assert.equal(cfg.token, 'flag-token');
  assert.equal(cfg.namespace, 'ns2');
});

test('certificate-authority-data, certificate-authority relative to the file, insecure-skip-tls-verify', (t) => {
  const { write } = fixture(t);
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  write('ca.crt', pem);
  const withData = write('k1', one('https://127.0.0.1:1', { extra: `    certificate-authority-data: ${Buffer.from(pem).toString('base64')}` }));
  assert.equal(loadClientConfig({ kubeconfig: withData }).ca?.toString(), pem);
  const withFile = write('k2', one('https://127.0.0.1:1', { extra: '    certificate-authority: ca.crt\n    insecure-skip-tls-verify: true' }));
  const cfg = loadClientConfig({ kubeconfig: withFile });
  assert.equal(cfg.ca?.toString(), pem);
  assert.equal(cfg.insecureSkipTLSVerify, true);
});

test('like clientcmd, a token from the kubeconfig is only used over https', (t) => {
  const { write } = fixture(t);
  const plain = RESTClient.fromConfig(loadClientConfig({ kubeconfig: write('h', one('http://127.0.0.1:1', { token: 'secret' })) }));
  assert.equal(plain.authHeaders().Authorization, undefined);
  const secure = RESTClient.fromConfig(loadClientConfig({ kubeconfig: write('s', one('https://127.0.0.1:1', { token: 'secret' })) }));
  assert.equal(secure.authHeaders().Authorization, 'Bearer secret');
  // The programmatic constructor (kubelet, scheduler) sends what it is given.
  assert.equal(new RESTClient({ server: 'http://127.0.0.1:1', token: 't' }).authHeaders().Authorization, 'Bearer t');
});
