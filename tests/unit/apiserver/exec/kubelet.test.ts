// ExecLocation and the kubelet backend: address preference, the kubelet URL, and the Status for each way it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { execLocation, nodeConnectionInfo, KubeletExecBackend } from '../../../../src/apiserver/exec/kubelet.ts';
import { notFound } from '../../../../src/api/status.ts';
import type { Node, Pod } from '../../../../src/api/types.ts';
import type { PodExecOptions } from '../../../../src/apiserver/exec/backend.ts';

const node = (port?: number): Node => ({
  metadata: { name: 'node-1' },
  status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-1' }], daemonEndpoints: port ? { kubeletEndpoint: { Port: port } } : undefined },
});
const pod = (nodeName?: string): Pod => ({ metadata: { name: 'web', namespace: 'default', uid: 'u' }, spec: { nodeName, containers: [{ name: 'nginx' }] } });
const opts: PodExecOptions = { stdin: false, stdout: true, stderr: true, tty: false, container: 'nginx', command: ['sh', '-c', 'echo hi; exit 3'] };

test('address types are tried in the preferred order, the port comes from daemonEndpoints', () => {
  assert.deepEqual(nodeConnectionInfo(node(4242)), { scheme: 'http', hostname: 'node-1', port: 4242, nodeName: 'node-1' });
  assert.equal(nodeConnectionInfo(node(4242), ['InternalIP', 'Hostname']).hostname, '127.0.0.1');
  assert.equal(nodeConnectionInfo(node()).port, 10250, 'no published port: --kubelet-port');
  assert.throws(() => nodeConnectionInfo(node(1), ['ExternalIP']), /no preferred addresses found; known addresses: \[\{InternalIP 127\.0\.0\.1\} \{Hostname node-1\}\]/);
});

test('ExecLocation renames the streams for the kubelet, writes true as 1 and keeps argv order', () => {
  const url = execLocation(pod('node-1'), nodeConnectionInfo(node(4242), ['InternalIP']), opts);
  assert.equal(url.toString(), 'http://127.0.0.1:4242/exec/default/web/nginx?command=sh&command=-c&command=echo+hi%3B+exit+3&error=1&output=1');
  const tty = execLocation(pod('node-1'), nodeConnectionInfo(node(4242), ['InternalIP']), { ...opts, stdin: true, stderr: false, tty: true, command: ['sh'] });
  assert.equal(tty.search, '?command=sh&input=1&output=1&tty=1');
});

async function connectWith(backend: KubeletExecBackend, p: Pod): Promise<{ code: number; status: Record<string, unknown> }> {
  const socket = new PassThrough();
  let out = '';
  socket.on('data', (c) => { out += c; });
  const req = { headers: { connection: 'Upgrade', upgrade: 'websocket' }, rawHeaders: ['Connection', 'Upgrade', 'Upgrade', 'websocket'], method: 'GET', socket: { remoteAddress: '127.0.0.1' } };
  const done = backend.connect(req as never, socket, Buffer.alloc(0), p, opts);
  await done;
  return { code: Number(out.slice(9, 12)), status: JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)) };
}

test('an unscheduled pod: 400 "pod web does not have a host assigned"', async () => {
  const backend = new KubeletExecBackend({ getNode: async () => node(1) });
  const { code, status } = await connectWith(backend, pod());
  assert.equal(code, 400);
  assert.equal(status.reason, 'BadRequest');
  assert.equal(status.message, 'pod web does not have a host assigned');
});

test('a pod bound to a missing node: the NotFound Status for the node', async () => {
  const backend = new KubeletExecBackend({ getNode: async (n) => { throw notFound('nodes', n); } });
  const { code, status } = await connectWith(backend, pod('node-9'));
  assert.equal(code, 404);
  assert.equal(status.message, 'nodes "node-9" not found');
});

test('a kubelet that does not answer: the dial error names the kubelet', async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const backend = new KubeletExecBackend({ getNode: async () => node(port), preferredAddressTypes: ['InternalIP'] });
  const { code, status } = await connectWith(backend, pod('node-1'));
  assert.equal(code, 500);
  assert.equal(status.message, `kubelet node-1: error dialing backend: dial tcp 127.0.0.1:${port}: connect: connection refused`);
});
