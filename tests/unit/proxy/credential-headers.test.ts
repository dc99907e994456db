// Which headers are a client's credentials (the ones kube-apiserver's authentication and impersonation filters delete).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCredentialHeader, withoutCredentials } from '../../../src/proxy/credential-headers.ts';

test('Authorization, Proxy-Authorization, Cookie and every Impersonate-* header are credentials, in any case', () => {
  for (const name of ['Authorization', 'authorization', 'PROXY-AUTHORIZATION', 'Cookie', 'Impersonate-User', 'impersonate-group',
    'Impersonate-Uid', 'Impersonate-Extra-Scopes', 'impersonate-extra-reason%2fwhy']) {
    assert.equal(isCredentialHeader(name), true, name);
  }
  for (const name of ['Upgrade', 'Connection', 'Sec-WebSocket-Protocol', 'X-Stream-Protocol-Version', 'User-Agent', 'X-Forwarded-For',
    'Impersonate', 'X-Authorization-Hint', 'Set-Cookie2']) {
    assert.equal(isCredentialHeader(name), false, name);
  }
});

test('withoutCredentials keeps every other header, repeated ones included, in order', () => {
  const raw = ['Host', 'a', 'Authorization', 'Bearer secret', 'X-Stream-Protocol-Version', 'v5.channel.k8s.io',
    'Impersonate-Group', 'system:masters', 'X-Stream-Protocol-Version', 'v4.channel.k8s.io', 'Cookie', 'sid=1', 'Impersonate-Group', 'g2'];
  assert.deepEqual(withoutCredentials(raw), ['Host', 'a', 'X-Stream-Protocol-Version', 'v5.channel.k8s.io', 'X-Stream-Protocol-Version', 'v4.channel.k8s.io']);
  assert.deepEqual(withoutCredentials([]), []);
});
