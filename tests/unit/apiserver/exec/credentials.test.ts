// Headers that must not travel, API server hop: an exec upgrade carrying the client's credentials reaches a
// fake kubelet, named by a Node object anyone could have created, with none of them (kube-apiserver's
// WithAuthentication deletes Authorization, WithImpersonation the Impersonate-* headers, before any handler).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { KubeletExecBackend } from '../../../../src/apiserver/exec/kubelet.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { nodeStatusSubresource } from '../../../../src/apiserver/registry/status.ts';
import type { Node, Pod } from '../../../../src/api/types.ts';
import { credentialHeaders, credentialValues } from '../../../fixtures/credential-headers.ts';

test('the API server forwards no credential header to the kubelet a Node names; the others travel', async (t) => {
  // The fake kubelet: records the request head it gets, answers 101.
  let head = '';
  const kubelet = createServer((sock: Socket) => {
    sock.on('data', (c) => {
      head += c.toString('latin1');
      if (head.includes('\r\n\r\n')) sock.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    sock.on('error', () => undefined);
  }).listen(0, '127.0.0.1');
  await once(kubelet, 'listening');
  t.after(() => kubelet.close());
  const kubeletPort = (kubelet.address() as AddressInfo).port;

  const server = new APIServer({
    name: 'apiserver', stateDir: '/nonexistent', log: () => {},
    subresources: {
      'nodes/status': nodeStatusSubresource,
      'pods/exec': execSubresource((api) => new KubeletExecBackend({ getNode: (n) => api.nodes.get(undefined, n), preferredAddressTypes: ['InternalIP'] })),
    },
  });
  const url = new URL(await server.listen(0));
  t.after(() => server.close());
  // Any client allowed to create Nodes chooses where the API server will connect.
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'anywhere' } };
  await server.nodes.create(undefined, node);
  await fetch(new URL('/api/v1/nodes/anywhere/status', url), {
    method: 'PUT', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } }),
  });
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'anywhere', containers: [{ name: 'web', image: 'nginx' }] } };
  await server.pods.create('default', pod);

  const sock = connect(Number(url.port), '127.0.0.1');
  let answer = '';
  sock.on('data', (c) => { answer += c.toString('latin1'); });
  sock.write([
    'GET /api/v1/namespaces/default/pods/web/exec?command=true&stdout=true HTTP/1.1', `Host: ${url.host}`,
    'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol: v5.channel.k8s.io', 'User-Agent: kubectl/v1.32.0', 'X-Request-Trace: t-1',
    ...credentialHeaders, '', '',
  ].join('\r\n'));
  await once(sock, 'close');
  assert.match(answer, /^HTTP\/1\.1 101 /);
  assert.match(head, /^GET \/exec\/default\/web\/web\?command=true&output=1 HTTP\/1\.1\r\n/);
  for (const h of ['Authorization', 'Proxy-Authorization', 'Cookie', 'Impersonate-']) assert.doesNotMatch(head, new RegExp(`\r\n${h}`, 'i'), h);
  assert.doesNotMatch(head, credentialValues);
  for (const h of ['Upgrade: websocket', 'Sec-WebSocket-Protocol: v5.channel.k8s.io', 'User-Agent: kubectl/v1.32.0', 'X-Request-Trace: t-1']) {
    assert.ok(head.includes(`\r\n${h}\r\n`), h);
  }
});
