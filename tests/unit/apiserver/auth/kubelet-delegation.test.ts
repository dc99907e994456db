// The kubelet's front door delegating to this API server (T1's WebhookAuthorizer and KubeletAuthenticator against
// the real SubjectAccessReview and TokenReview), over TLS with the cluster PKI: the API server's kubelet-client
// identity may proxy to nodes; a user with no binding may not; a token the API server issued is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { APISecurity } from '../../../../src/apiserver/auth/security.ts';
import { kubeadmBindings } from '../../../../src/checkpoints/security/kubeadm-bindings.ts';
import { ClusterPKI } from '../../../../src/pki/pki.ts';
import { RESTClient } from '../../../../src/client/rest-client.ts';
import { WebhookAuthorizer } from '../../../../src/kubelet/auth/webhook-authorizer.ts';
import { KubeletAuthenticator } from '../../../../src/kubelet/auth/authenticator.ts';

test('SubjectAccessReview and TokenReview as the kubelet asks them, answered by RBAC and the token file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'delegation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = await ClusterPKI.open(dir);
  const serving = await pki.apiServer();
  const server = new APIServer({
    name: 'apiserver', stateDir: dir, log: () => {},
    tls: { cert: serving.certPEM, key: serving.keyPEM, clientCA: pki.caPEM },
    extensions: [new APISecurity({ clientCA: pki.caPEM, tokenAuthFile: 'bob-token,bob,7,"dev"\n', log: () => {} }), kubeadmBindings],
  });
  const url = await server.listen(0);
  t.after(() => server.close());

  // The kubelet talks to the API server as system:node:node-1 (system:node lets it create reviews).
  const kubeletCert = await pki.kubeletClient('node-1');
  const client = new RESTClient({ server: url, ca: pki.caPEM, cert: kubeletCert.certPEM, key: kubeletCert.keyPEM });
  const authz = new WebhookAuthorizer({ client });
  const proxy = (name: string, groups: string[]) => ({ user: { name, groups }, verb: 'create', resource: 'nodes' as const, subresource: 'proxy', name: 'node-1', path: '/exec/default/web/app' });
  assert.equal((await authz.authorize(proxy('kube-apiserver-kubelet-client', ['kubeadm:cluster-admins', 'system:authenticated']))).decision, 'Allow');
  assert.equal((await authz.authorize(proxy('alice', ['system:authenticated']))).decision, 'NoOpinion');
  assert.equal((await authz.authorize(proxy('alice', ['system:authenticated']))).decision, 'NoOpinion');
  assert.equal(authz.requests, 2, 'the second answer came from the cache');

  const authn = new KubeletAuthenticator({ anonymous: false, tokenReview: client });
  const req = (authorization: string) => ({ headers: { authorization }, socket: {} }) as unknown as IncomingMessage;
  assert.deepEqual(await authn.authenticateRequest(req('Bearer bob-token')), { name: 'bob', uid: '7', groups: ['dev', 'system:authenticated'], extra: undefined });
  await assert.rejects(authn.authenticateRequest(req('Bearer guess')), /invalid bearer token/);
});
