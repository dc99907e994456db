// Every HTTP server in the exec chain reads a request head as large as Go's default allows (1 MiB + 4 KiB), and
// answers a larger one, or one it cannot parse, with a Status (issue 8: a 16 KB argument got a bare error).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { APIServer } from '../../../src/apiserver/server.ts';
import { KubeletServer } from '../../../src/kubelet/server.ts';
import { PodManager } from '../../../src/kubelet/pod-manager.ts';
import { StreamingServer } from '../../../src/streaming/server.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { MAX_HEADER_BYTES } from '../../../src/util/raw-response.ts';
import { MAX_HEAD_BYTES } from '../../../src/proxy/http-head.ts';

// Sends `request` in one piece and returns the status line and the body of what comes back.
async function raw(url: string, request: string): Promise<{ status: string; body: string }> {
  const { port } = new URL(url);
  const sock = connect(Number(port), '127.0.0.1');
  let out = '';
  sock.on('data', (c) => { out += c.toString('latin1'); });
  sock.on('error', () => {});
  sock.write(request);
  await once(sock, 'close');
  return { status: out.slice(0, out.indexOf('\r\n')), body: out.slice(out.indexOf('\r\n\r\n') + 4) };
}

const servers: [string, (t: TestContext) => Promise<string>][] = [
  ['API server', async (t) => {
    const s = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', log: () => {} });
    t.after(() => s.close());
    return s.listen(0);
  }],
  ['kubelet', async (t) => {
    const s = new KubeletServer({ nodeName: 'node-1', podManager: new PodManager(), runtime: {
      syncPod: async () => {}, podStatus: async () => ({}), killPod: async () => {}, getExec: async () => { throw new Error('unused'); } } });
    t.after(() => s.close());
    return (await s.listen()).toString();
  }],
  ['streaming server', async (t) => {
    const s = new StreamingServer({ executor: new LocalExecutor() });
    t.after(() => s.close());
    return (await s.start()).toString();
  }],
];

for (const [name, start] of servers) {
  test(`${name}: a 1 MiB request line is read; a larger head is a 431 Status; garbage is a 400 Status`, async (t) => {
    const url = await start(t);
    const query = `?command=${'a'.repeat(1 << 20)}`; // 1 MiB of argument: under Go's limit with the rest of the head
    const fits = await raw(url, `GET /healthz${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(fits.status, /^HTTP\/1\.1 (200|404) /); // reached the handler (the streaming server has no /healthz)
    const tooBig = await raw(url, `GET /healthz${query}${'a'.repeat(8192)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(tooBig.status, 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.deepEqual(JSON.parse(tooBig.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 431,
      message: `Request Header Fields Too Large: the request line and headers are limited to ${MAX_HEADER_BYTES} bytes` });
    const garbage = await raw(url, 'NOT HTTP AT ALL\r\n\r\n');
    assert.equal(garbage.status, 'HTTP/1.1 400 Bad Request');
    assert.equal(JSON.parse(garbage.body).reason, 'BadRequest');
  });
}

test("the proxy's response-head parser takes as much as the servers do", () => {
  assert.equal(MAX_HEAD_BYTES, MAX_HEADER_BYTES);
});
