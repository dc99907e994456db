// The API server's TLS flags: files read once, halves that go together, and no TLS without them (chapters 1-8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeletClientTLS, secureServingOptions } from '../../../src/apiserver/secure-serving.ts';

test('serving and kubelet-client flags', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'secure-serving-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  for (const f of ['crt', 'key', 'ca']) writeFileSync(join(d, f), `${f} pem`);
  const f = (name: string) => join(d, name);
  assert.equal(secureServingOptions({}), undefined, 'no flags: plain HTTP');
  assert.deepEqual(secureServingOptions({ 'tls-cert-file': f('crt'), 'tls-private-key-file': f('key'), 'client-ca-file': f('ca') }), { cert: 'crt pem', key: 'key pem', clientCA: 'ca pem' });
  assert.throws(() => secureServingOptions({ 'tls-cert-file': f('crt') }), /go together/);
  assert.throws(() => secureServingOptions({ 'client-ca-file': f('ca') }), /needs --tls-cert-file/);
  assert.throws(() => secureServingOptions({ 'tls-cert-file': f('nope'), 'tls-private-key-file': f('key') }), /--tls-cert-file: ENOENT/);

  assert.equal(kubeletClientTLS({}), undefined, 'no flags: kubelets over plain HTTP');
  assert.deepEqual(kubeletClientTLS({ 'kubelet-client-certificate': f('crt'), 'kubelet-client-key': f('key'), 'kubelet-certificate-authority': f('ca') }),
    { ca: 'ca pem', cert: 'crt pem', key: 'key pem', insecure: false });
  assert.equal(kubeletClientTLS({ 'kubelet-client-certificate': f('crt'), 'kubelet-client-key': f('key') })!.insecure, true, 'no CA: not verified, as upstream');
  assert.throws(() => kubeletClientTLS({ 'kubelet-client-key': f('key') }), /go together/);
});
