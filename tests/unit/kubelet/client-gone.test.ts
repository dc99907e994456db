// A kubelet whose client (the API server) left while CRI Exec was answering starts nothing: it sends no request
// to the runtime's streaming server, so no command runs for nobody.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { KubeletServer } from '../../../src/kubelet/server.ts';
import { PodManager } from '../../../src/kubelet/pod-manager.ts';
import type { ExecDestination, KubeletRuntime } from '../../../src/kubelet/runtime.ts';
import type { Pod } from '../../../src/api/types.ts';
import { waitFor } from '../../../src/util/wait.ts';

test('a client gone during CRI Exec: the streaming server gets no request', async (t) => {
  // The fake streaming server: every byte it receives, and how many connections have closed.
  let received = '';
  let closed = 0;
  const streaming = createServer((sock: Socket) => {
    sock.on('data', (c) => { received += c.toString('latin1'); });
    sock.on('close', () => { closed++; });
    sock.on('error', () => undefined);
  }).listen(0, '127.0.0.1');
  await once(streaming, 'listening');
  t.after(() => streaming.close());
  const streamingURL = `http://127.0.0.1:${(streaming.address() as AddressInfo).port}/exec/tok3n`;

  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'node-1', containers: [{ name: 'web' }] } };
  const podManager = new PodManager();
  podManager.addOrUpdate(pod);
  let asked = false;
  let answerExec!: (d: ExecDestination) => void;
  const runtime: KubeletRuntime = {
    syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {},
    getExec: () => { asked = true; return new Promise((resolve) => { answerExec = resolve; }); },
  };
  const kubelet = new KubeletServer({ nodeName: 'node-1', podManager, runtime });
  const url = await kubelet.listen();
  t.after(() => kubelet.close());

  const client = connect(Number(url.port), '127.0.0.1');
  t.after(() => client.destroy());
  client.on('error', () => undefined);
  client.write('GET /exec/default/web/web?command=true&output=1 HTTP/1.1\r\nHost: k\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
  await waitFor(() => asked, { what: 'the CRI Exec call' });
  client.end();
  await once(client, 'finish'); // our FIN is sent
  answerExec({ kind: 'url', url: streamingURL });
  // Either the request arrives (the old behaviour: the exec would run), or the kubelet hangs up without one.
  await waitFor(() => received.length > 0 || closed > 0, { what: 'the kubelet to send a request or hang up' });
  assert.equal(received, '', 'no request reached the streaming server');
});
