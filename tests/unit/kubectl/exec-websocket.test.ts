// kubectl exec through the real WebSocket client against a small v5 server: frames, stdin EOF, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runKubectl } from '../../../src/kubectl/kubectl.ts';
import type { StreamExec } from '../../../src/kubectl/cmd/exec.ts';
import { streamExec } from '../../../src/remotecommand/websocket-client.ts';

// The WebSocket client must satisfy the contract our kubectl calls.
const contract: StreamExec = streamExec;

const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web' }] }, status: { phase: 'Running' } };

// A server that GETs the pod and, on the exec upgrade, echoes stdin to stdout, writes to stderr, and exits with ?code.
async function server(t: { after: (fn: () => Promise<void>) => void }) {
  const upgrades: { url: string; protocol: string; stdinEOF: boolean; received: Buffer[] }[] = [];
  const http1 = http.createServer((req, res) => {
    res.writeHead(req.url === '/api/v1/namespaces/default/pods/web' ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(req.url === '/api/v1/namespaces/default/pods/web' ? pod : { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'nope', code: 404, metadata: {} }));
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (ps) => (ps.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  http1.on('upgrade', (req, sock, head) => {
    wss.handleUpgrade(req, sock, head, (ws) => {
      const u = new URL(req.url!, 'http://x');
      const rec = { url: req.url!, protocol: ws.protocol, stdinEOF: false, received: [] as Buffer[] };
      ws.on('message', (data: Buffer) => rec.received.push(data));
      upgrades.push(rec);
      const finish = () => {
        ws.send(Buffer.from([2, ...Buffer.from('to stderr\n')]));
        const code = Number(u.searchParams.get('code') ?? u.searchParams.getAll('command').at(-1));
        const status = code === 0 || Number.isNaN(code)
          ? { metadata: {}, status: 'Success' }
          : { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: `command terminated with non-zero exit code: exit status ${code}`, details: { causes: [{ reason: 'ExitCode', message: String(code) }] } };
        ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
        ws.close(1000);
      };
      if (u.searchParams.get('stdin') !== 'true') return finish();
      ws.on('message', (data: Buffer) => {
        if (data[0] === 0) ws.send(Buffer.concat([Buffer.from([1]), data.subarray(1)]));
        if (data[0] === 255 && data[1] === 0) { rec.stdinEOF = true; finish(); }
      });
    });
  });
  await new Promise<void>((r) => http1.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-ws-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${(http1.address() as AddressInfo).port}\ncontexts:\n- name: c\n  context: {cluster: c}\ncurrent-context: c\n`);
  t.after(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    http1.closeAllConnections();
    await new Promise<void>((r) => http1.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { kubeconfig, upgrades };
}

async function kubectl(kubeconfig: string, argv: string[], stdin = '') {
  const out = new PassThrough(); const err = new PassThrough(); const input = new PassThrough();
  let stdout = ''; let stderr = '';
  out.on('data', (c) => (stdout += c)); err.on('data', (c) => (stderr += c));
  input.end(stdin);
  const code = await runKubectl(['--kubeconfig', kubeconfig, ...argv], { streams: { in: input, out, err }, env: {}, streamExec: async () => contract });
  return { code, stdout, stderr };
}

test('exit codes 0, 1, 42, 255 travel on the error channel and become ours', async (t) => {
  const s = await server(t);
  for (const n of [0, 1, 42, 255]) {
    const r = await kubectl(s.kubeconfig, ['exec', 'web', '--', 'exit', String(n)]);
    assert.deepEqual(r, { code: n, stdout: '', stderr: n === 0 ? 'to stderr\n' : `to stderr\ncommand terminated with exit code ${n}\n` });
  }
  assert.equal(s.upgrades[0].protocol, 'v5.channel.k8s.io');
  assert.equal(s.upgrades[0].url, '/api/v1/namespaces/default/pods/web/exec?command=exit&command=0&container=web&stderr=true&stdout=true');
});

test('-i: stdin goes out on channel 0, EOF as the v5 close signal, output comes back', async (t) => {
  const s = await server(t);
  const r = await kubectl(s.kubeconfig, ['exec', '-i', 'web', '--', 'cat'], 'hello\nworld\n');
  assert.deepEqual(r, { code: 0, stdout: 'hello\nworld\n', stderr: 'to stderr\n' });
  assert.equal(s.upgrades[0].stdinEOF, true);
});

// kubernetes#47990: the initial size goes before any keystroke, so the command can start at the right size.
test('-it on a terminal: raw mode for the session, the size first on channel 4, then stdin, then each resize', async (t) => {
  const s = await server(t);
  const modes: boolean[] = [];
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (raw: boolean) => { modes.push(raw); } });
  const out = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  const err = new PassThrough();
  let stdout = '';
  out.on('data', (c) => {
    stdout += c;
    // The first echo: the session is up; the window changes, then the user ends input.
    if (stdout === 'ls\r') { Object.assign(out, { columns: 90, rows: 20 }); out.emit('resize'); setImmediate(() => input.end()); }
  });
  input.write('ls\r'); // typed before the connection is up: still after the size
  const code = await runKubectl(['--kubeconfig', s.kubeconfig, 'exec', '-it', 'web', '--', 'sh'], { streams: { in: input, out, err }, env: {}, streamExec: async () => contract });
  assert.equal(code, 0);
  assert.deepEqual(modes, [true, false]);
  assert.equal(s.upgrades[0].url, '/api/v1/namespaces/default/pods/web/exec?command=sh&container=web&stdin=true&stdout=true&tty=true');
  assert.deepEqual(s.upgrades[0].received.map((m) => `${m[0]}:${m.subarray(1).toString()}`), [
    '4:{"Width":120,"Height":40}\n',
    '0:ls\r',
    '4:{"Width":90,"Height":20}\n',
    '255:\u0000',
  ]);
});
