// Headers that must not travel, kubelet hop: whatever credentials reach the kubelet (a client talking to it
// directly, or an API server that forwarded them) go no further than the kubelet; the runtime's streaming
// server, whose token is the whole authority, sees none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { KubeletServer } from '../../../src/kubelet/server.ts';
import { PodManager } from '../../../src/kubelet/pod-manager.ts';
import type { KubeletRuntime } from '../../../src/kubelet/runtime.ts';
import type { Pod } from '../../../src/api/types.ts';
import { credentialHeaders, credentialValues } from '../../fixtures/credential-headers.ts';

test('the kubelet forwards no credential header to the runtime\'s streaming server; the others travel', async (t) => {
  // The fake streaming server: records the request head, answers 101.
  let head = '';
  const streaming = createServer((sock: Socket) => {
    sock.on('data', (c) => {
      head += c.toString('latin1');
      if (head.includes('\r\n\r\n')) sock.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    sock.on('error', () => undefined);
  }).listen(0, '127.0.0.1');
  await once(streaming, 'listening');
  t.after(() => streaming.close());
  const streamingURL = `http://127.0.0.1:${(streaming.address() as AddressInfo).port}/exec/tok3n`;

  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'node-1', containers: [{ name: 'web' }] } };
  const podManager = new PodManager();
  podManager.addOrUpdate(pod);
  const runtime: KubeletRuntime = {
    syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {},
    getExec: async () => ({ kind: 'url', url: streamingURL }),
  };
  const kubelet = new KubeletServer({ nodeName: 'node-1', podManager, runtime });
  const url = await kubelet.listen();
  t.after(() => kubelet.close());

  const sock = connect(Number(url.port), '127.0.0.1');
  let answer = '';
  sock.on('data', (c) => { answer += c.toString('latin1'); });
  sock.write([
    'GET /exec/default/web/web?command=true&output=1 HTTP/1.1', `Host: ${url.host}`,
    'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Protocol: v5.channel.k8s.io', 'X-Request-Trace: t-1', ...credentialHeaders, '', '',
  ].join('\r\n'));
  await once(sock, 'close');
  assert.match(answer, /^HTTP\/1\.1 101 /);
  assert.match(head, /^GET \/exec\/tok3n HTTP\/1\.1\r\n/);
  for (const h of ['Authorization', 'Proxy-Authorization', 'Cookie', 'Impersonate-']) assert.doesNotMatch(head, new RegExp(`\r\n${h}`, 'i'), h);
  assert.doesNotMatch(head, credentialValues);
  for (const h of ['Upgrade: websocket', 'Sec-WebSocket-Protocol: v5.channel.k8s.io', 'X-Request-Trace: t-1']) assert.ok(head.includes(`\r\n${h}\r\n`), h);
});
