// Clients that misbehave during an audited exec: one that stops reading and then leaves, one that sends garbage.
// The session is recorded for what it was, and the API server goes on serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { LocalExecBackend } from '../../../../src/apiserver/exec/local.ts';
import { Auditor } from '../../../../src/apiserver/audit/auditor.ts';
import { LogBackend } from '../../../../src/apiserver/audit/log-backend.ts';
import { defaultAuditPolicy } from '../../../../src/apiserver/audit/default-policy.ts';
import type { Event } from '../../../../src/apiserver/audit/event.ts';
import { waitFor } from '../../../../src/util/wait.ts';

async function start(t: import('node:test').TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-clients-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logPath = join(dir, 'audit.log');
  const auditor = new Auditor({ policy: defaultAuditPolicy, backend: new LogBackend(logPath) });
  const server = new APIServer({ name: 'apiserver', stateDir: dir, log: () => {}, extensions: [auditor.extension()],
    subresources: { 'pods/exec': execSubresource((api) => new LocalExecBackend({ stateDir: api.stateDir, pods: api.pods })) } });
  const url = await server.listen(0);
  t.after(async () => { await server.close(); await auditor.close(); });
  await server.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'busybox' }] } });
  const completes = (n: number) => waitFor(() => {
    const evs = (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event)
      .filter((e) => e.stage === 'ResponseComplete' && e.objectRef?.subresource === 'exec');
    return evs.length >= n && evs;
  }, { timeoutMs: 30_000, what: `${n} exec ResponseComplete event(s)` });
  return { url, completes };
}

test('a client that stops reading, then leaves: the record has the bytes sent, no exit code, and why', async (t) => {
  const { url, completes } = await start(t);
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/namespaces/default/pods/web/exec?command=yes&stdout=true`, ['v5.channel.k8s.io']);
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (d: Buffer) => {
      got += d.length;
      // Enough to know output flows: stop reading (the server's writes back up), then leave without a close frame.
      if (got > 256 * 1024) { (ws as unknown as { _socket: import('node:net').Socket })._socket.pause(); ws.removeAllListeners('message'); resolve(); }
    });
  });
  ws.terminate();
  const [e] = await completes(1);
  const a = e!.annotations!;
  assert.equal(e!.responseStatus?.code, 101);
  assert.equal(a['exec.workbook.dev/exit-code'], undefined);
  assert.equal(a['exec.workbook.dev/error'], 'the session ended without a status on the error stream');
  assert.ok(Number(a['exec.workbook.dev/bytes-to-client']) >= got, `${a['exec.workbook.dev/bytes-to-client']} >= ${got}`);
  // And the server goes on: another exec is recorded with its exit code.
  const again = new WebSocket(`${url.replace('http', 'ws')}/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true`, ['v5.channel.k8s.io']);
  await new Promise((resolve) => again.on('close', resolve));
  const evs = await completes(2);
  assert.equal(evs[1]!.annotations!['exec.workbook.dev/exit-code'], '0');
});

test('a client that sends garbage after its upgrade: recorded, and nothing else breaks', async (t) => {
  const { url, completes } = await start(t);
  const { port } = new URL(url);
  const sock = connect(Number(port), '127.0.0.1');
  sock.on('error', () => {});
  sock.write(`GET /api/v1/namespaces/default/pods/web/exec?command=cat&stdin=true&stdout=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`);
  await new Promise<void>((resolve) => sock.once('data', () => resolve()));
  sock.write(Buffer.from('\xff\xff\xff\xff not a frame at all', 'latin1'));
  await new Promise((resolve) => sock.on('close', resolve));
  const [e] = await completes(1);
  assert.equal(e!.responseStatus?.code, 101);
  assert.equal(e!.annotations!['exec.workbook.dev/exit-code'], undefined);
  assert.ok(e!.annotations!['exec.workbook.dev/error']);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
});
