// The real kubectl (client-go's SPDY round tripper over moby/spdystream) judges SpdyConnection: a bare fake API server
// that refuses the WebSocket, upgrades to SPDY/3.1, and serves exec's streams with our connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, rmSync, existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { SpdyConnection, type SpdyStream } from '../../../src/spdy/connection.ts';

function kubectlDir(): string | undefined {
  try {
    return dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim()));
  } catch {
    return undefined;
  }
}
const dir = kubectlDir();
// the oldest speaks SPDY at once; the newest tries WebSocket first and falls back on our 400
const binaries = ['kubectl.1.27', 'kubectl.1.33'].map((b) => (dir ? join(dir, b) : '')).filter((p) => p && existsSync(p));

const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } };

type Exec = (streams: Map<string, SpdyStream>, command: string[], conn: SpdyConnection) => Promise<{ exitCode: number }>;

async function fakeApiServer(exec: Exec, logs: string[]): Promise<http.Server> {
  // just enough discovery for kubectl to find pods
  const answers: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
    '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
    ] },
    '/api/v1/namespaces/default/pods/p': pod,
  };
  const server = http.createServer((req, res) => {
    const answer = answers[new URL(req.url ?? '/', 'http://x').pathname];
    if (answer) {
      res.setHeader('Content-Type', 'application/json');
      return res.end(JSON.stringify(answer));
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (!/spdy\/3\.1/i.test(req.headers.upgrade ?? '')) {
      // the WebSocket attempt of kubectl >= 1.30: refused, so it falls back to SPDY
      const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'no websocket here', reason: 'BadRequest', code: 400 });
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    const offered = req.headersDistinct['x-stream-protocol-version'] ?? [];
    assert.ok(offered.includes('v4.channel.k8s.io'), offered.join());
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
    const url = new URL(req.url ?? '/', 'http://x');
    const expected = 1 + ['stdin', 'stdout', 'stderr'].filter((k) => url.searchParams.get(k) === 'true').length;
    const conn = new SpdyConnection(socket, { role: 'server', log: (l) => logs.push(l) }, head);
    const streams = new Map<string, SpdyStream>();
    conn.onStream = (s) => {
      s.reply();
      streams.set(s.headers.streamtype, s);
      if (streams.size === expected) {
        exec(streams, url.searchParams.getAll('command'), conn).then(({ exitCode }) => {
          const status = exitCode === 0
            ? { metadata: {}, status: 'Success' }
            : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: ${exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
          streams.get('error')!.write(JSON.stringify(status));
          return conn.close();
        }).catch((err: Error) => { logs.push(`exec failed: ${err.stack}`); conn.destroy(); });
      }
    };
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function runKubectl(bin: string, port: number, args: string[], stdin?: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), 'spdy-kubectl-'));
  try {
    const kubeconfig = join(home, 'config');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'x',
      clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    }));
    const child = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => { err += c; });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code] = await once(child, 'exit') as [number | null];
    clearTimeout(timer);
    return { code, stdout: Buffer.concat(out), stderr: err };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const readAll = async (s: SpdyStream) => { const c: Buffer[] = []; for await (const x of s) c.push(x as Buffer); return Buffer.concat(c); };

for (const bin of binaries.length ? binaries : ['kubectl']) {
  const name = bin.split('/').pop();
  test(`${name} exec over our SPDY: stdout and stderr whole (2 MiB), exit code carried`, async (t) => {
    if (!binaries.length) return t.skip('the real kubectl (and its kubectl.1.NN binaries) is not on PATH');
    const logs: string[] = [];
    const big = randomBytes(1 << 20).toString('base64'); // ~1.4 MB of text
    const pings: number[] = [];
    const server = await fakeApiServer(async (streams, command, conn) => {
      const out = streams.get('stdout')!;
      pings.push(await conn.ping()); // Go echoes our (even) ping id: else this never resolves
      if (command[0] === 'fail') return { exitCode: 3 };
      out.write('hello from spdy\n');
      out.write(big);
      streams.get('stderr')!.write('a warning\n');
      return { exitCode: 0 };
    }, logs);
    try {
      const port = (server.address() as { port: number }).port;
      const ok = await runKubectl(bin, port, ['exec', 'p', '--', 'print']);
      assert.equal(ok.code, 0, ok.stderr + logs.join('\n'));
      assert.equal(ok.stdout.toString(), 'hello from spdy\n' + big);
      assert.match(ok.stderr, /a warning\n/);
      const failed = await runKubectl(bin, port, ['exec', 'p', '--', 'fail']);
      assert.equal(failed.code, 3, failed.stderr);
      assert.match(failed.stderr, /command terminated with exit code 3/);
      assert.equal(pings.length, 2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test(`${name} exec -i over our SPDY: 4 MiB of stdin echoed back, stdin's half-close seen`, async (t) => {
    if (!binaries.length) return t.skip('the real kubectl (and its kubectl.1.NN binaries) is not on PATH');
    const logs: string[] = [];
    const server = await fakeApiServer(async (streams) => {
      const input = await readAll(streams.get('stdin')!); // ends at kubectl's FIN on stdin
      const out = streams.get('stdout')!;
      out.write(createHash('sha256').update(input).digest('hex') + '\n');
      out.write(input);
      return { exitCode: 0 };
    }, logs);
    try {
      const port = (server.address() as { port: number }).port;
      const input = randomBytes(4 << 20);
      const r = await runKubectl(bin, port, ['exec', '-i', 'p', '--', 'cat'], input);
      assert.equal(r.code, 0, r.stderr + logs.join('\n'));
      const hash = createHash('sha256').update(input).digest('hex');
      assert.equal(r.stdout.subarray(0, 65).toString(), hash + '\n');
      assert.ok(r.stdout.subarray(65).equals(input), `echoed ${r.stdout.length - 65} of ${input.length} bytes`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
}
