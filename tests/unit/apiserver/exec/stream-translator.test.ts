// The StreamTranslator in an API server, to a fake kubelet serving the runtime's protocol sets (SPDY v4…v1, WebSocket
// without v5): the real kubectl 1.32 (WebSocket v5, translated) and 1.29 (SPDY, passed through), ours in both modes;
// output, stdin EOF, exit codes, the kubelet's refusal as the real kubectl prints it, a kubelet lost mid-stream, backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomInt } from 'node:crypto';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { shouldTranslate, TranslatingExecBackend } from '../../../../src/apiserver/exec/translating-backend.ts';
import { exitResult, translatedError } from '../../../../src/apiserver/exec/stream-translator.ts';
import { serveRemoteCommand } from '../../../../src/remotecommand/serve-stream.ts';
import { streamExec, UpgradeError } from '../../../../src/remotecommand/websocket-client.ts';
import { exitCodeFromStatus } from '../../../../src/remotecommand/status.ts';
import { runKubectl } from '../../../../src/kubectl/kubectl.ts';
import { fallbackExecutor } from '../../../../src/remotecommand/fallback.ts';
import { streamExecSpdy } from '../../../../src/remotecommand/spdy-client.ts';
import { LocalExecutor } from '../../../../src/exec/local.ts';
import { writeKubeconfig } from '../../../../src/workbook/kubeconfig.ts';
import { writeTextAndClose } from '../../../../src/util/raw-response.ts';
import { waitFor } from '../../../../src/util/wait.ts';
import type { Node, Pod } from '../../../../src/api/types.ts';
import type { StreamExec } from '../../../../src/kubectl/cmd/exec.ts';
import { kubectlTerminal } from '../../../fixtures/kubectl-terminal.ts';

function kubectlDir(): string | undefined {
  try { return dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim())); } catch { return undefined; }
}
const binDir = kubectlDir();
const bin = (minor: number) => (binDir && existsSync(join(binDir, `kubectl.1.${minor}`)) ? join(binDir, `kubectl.1.${minor}`) : undefined);

const dir = mkdtempSync(join(tmpdir(), 'stream-translator-'));
const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });

// The kubelet: /exec/{ns}/{pod}/{container}?command=…&input=1&output=1&error=1&tty=1, the runtime's sets (no v5).
const kubeletUpgrades: string[] = [];
const kubeletSockets: (Duplex & { bytesWritten: number })[] = [];
const kubelet = createServer((_req, res) => res.writeHead(404).end());
kubelet.on('upgrade', (req: IncomingMessage, socket: Duplex & { bytesWritten: number }, head: Buffer) => {
  socket.on('error', () => {});
  kubeletUpgrades.push(`${req.method} ${String(req.headers.upgrade ?? '').toLowerCase()}`);
  kubeletSockets.push(socket);
  const u = new URL(req.url ?? '/', 'http://x');
  const [, , , pod, container] = u.pathname.split('/');
  // The kubelet's own refusal, in its words: plain text, 500 (streaming.WriteError).
  if (pod === 'refused') return void writeTextAndClose(socket, 500, `container not found (${JSON.stringify(container)})`);
  const one = (k: string) => u.searchParams.get(k) === '1';
  void serveRemoteCommand(req, socket, head, {
    executor, target: { container: dir, cmd: u.searchParams.getAll('command') },
    options: { stdin: one('input'), stdout: one('output'), stderr: one('error'), tty: one('tty') },
  });
});
await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
const node: Node = {
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' },
  status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: (kubelet.address() as AddressInfo).port } } },
};

const apiLog: string[] = [];
const translatorSockets: Socket[] = [];
const server = new APIServer({
  name: 'apiserver', stateDir: dir, log: (l) => apiLog.push(l),
  subresources: {
    'pods/exec': execSubresource(() => new TranslatingExecBackend({
      getNode: async () => node, preferredAddressTypes: ['InternalIP'], log: (l) => apiLog.push(l),
      // The translator's connections to the kubelet, recorded to see what the API server holds.
      dial: (location) => { const s = connect(Number(location.port), location.hostname); translatorSockets.push(s); return s; },
    })),
  },
});
const url = await server.listen(0);
const kubeconfig = join(dir, 'kubeconfig');
writeKubeconfig(kubeconfig, url);
for (const name of ['web', 'refused']) {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx' }] } };
  await server.pods.create('default', pod);
}
test.after(async () => {
  await server.close();
  kubelet.closeAllConnections();
  await new Promise((r) => kubelet.close(r));
  rmSync(dir, { recursive: true, force: true });
});

interface Run { code: number; stdout: string; stderr: string }
interface Client { name: string; run(args: string[], stdin?: string): Promise<Run>; kubeletSaw: string }
function real(minor: number, env: Record<string, string> = {}): Client | undefined {
  const path = bin(minor);
  if (!path) return undefined;
  return {
    name: `kubectl 1.${minor}${env.KUBECTL_REMOTE_COMMAND_WEBSOCKETS ? ' (WEBSOCKETS=false)' : ''}`,
    kubeletSaw: minor >= 30 && !env.KUBECTL_REMOTE_COMMAND_WEBSOCKETS ? 'POST spdy/3.1 (translated)' : 'POST spdy/3.1',
    run: (args, stdin) => new Promise((resolve) => {
      const child = execFile(path, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), ...env }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
      child.stdin!.end(stdin ?? '');
    }),
  };
}
function ours(spdyOnly: boolean): Client {
  const exec: StreamExec = spdyOnly ? streamExecSpdy : fallbackExecutor(streamExec, streamExecSpdy);
  return {
    name: `our kubectl (${spdyOnly ? 'SPDY' : 'WebSocket, translated'})`,
    kubeletSaw: spdyOnly ? 'POST spdy/3.1' : 'POST spdy/3.1 (translated)',
    run: async (args, stdin) => {
      const input = Object.assign(new PassThrough(), { isTTY: false });
      input.end(stdin ?? '');
      let stdout = ''; let stderr = '';
      const out = new Writable({ write(c, _e, cb) { stdout += c; cb(); } });
      const err = new Writable({ write(c, _e, cb) { stderr += c; cb(); } });
      const code = await runKubectl(['--kubeconfig', kubeconfig, ...args], { streams: { in: input as never, out: out as never, err: err as never }, env: {}, streamExec: async () => exec });
      return { code, stdout, stderr };
    },
  };
}
const clients: (Client | undefined)[] = [real(32), real(29), ours(false), ours(true)];

for (const c of clients) {
  test(`${c?.name ?? 'a kubectl that is not installed'}: output, stdin to EOF, stdout/stderr apart, exit codes, the kubelet's refusal`, async (t) => {
    if (!c) return t.skip('this kubectl is not installed beside the dispatcher');
    kubeletUpgrades.length = 0;
    apiLog.length = 0;
    const date = await c.run(['exec', 'web', '--', 'date', '+%Y']);
    assert.deepEqual([date.code, date.stdout], [0, `${new Date().getFullYear()}\n`], date.stderr);
    const translated = apiLog.some((l) => l.includes('translated: WebSocket v5 here, SPDY to kubelet node-1'));
    assert.deepEqual([...kubeletUpgrades, ...(translated ? ['(translated)'] : [])].join(' '), c.kubeletSaw, 'how the exec reached the kubelet');

    const big = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`).join('\n') + '\n';
    const cat = await c.run(['exec', '-i', 'web', '--', 'cat'], big);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, big, 'stdin arrives whole and its EOF ends cat');

    const split = await c.run(['exec', 'web', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 42']);
    assert.deepEqual([split.code, split.stdout, split.stderr], [42, 'to-out\n', 'to-err\ncommand terminated with exit code 42\n']);

    const refused = await c.run(['exec', 'refused', '--', 'date']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, translated
      // after the translator's 101: an InternalError Status on channel 3, printed as an error
      ? 'error: Internal error occurred: unable to upgrade connection: container not found ("web")\n'
      // passed through: the kubelet's text as the refusal of kubectl's own upgrade
      : 'error: unable to upgrade connection: container not found ("web")\n');
  });
}

test('a kubelet lost mid-stream: the translated session ends with exit 1 and an error naming the kubelet', async () => {
  const marker = `sleep ${randomInt(100000, 999999)}`;
  const before = kubeletSockets.length;
  let stdout = ''; let stderr = '';
  const input = Object.assign(new PassThrough(), { isTTY: false });
  input.end();
  const run = runKubectl(['--kubeconfig', kubeconfig, 'exec', 'web', '--', 'sh', '-c', `echo started; exec ${marker}`], {
    streams: { in: input as never, out: new Writable({ write(c, _e, cb) { stdout += c; cb(); } }) as never, err: new Writable({ write(c, _e, cb) { stderr += c; cb(); } }) as never },
    env: {}, streamExec: async () => fallbackExecutor(streamExec, streamExecSpdy),
  });
  // Cut the kubelet's connection once the command runs and its first output has reached kubectl.
  await waitFor(() => stdout === 'started\n' && pidsWith(marker).length === 1 && kubeletSockets.length > before, { what: `${marker} to start`, timeoutMs: 30_000 });
  kubeletSockets[before]!.destroy();
  const code = await run;
  assert.deepEqual([code, stdout, stderr], [1, 'started\n', 'error: Internal error occurred: kubelet node-1: connection lost mid-stream: EOF\n']);
  await waitFor(() => pidsWith(marker).length === 0, { what: `${marker} to end with its connection`, timeoutMs: 15_000 });
});

test('backpressure end to end: a client that stops reading blocks the command; the API server holds little', async () => {
  const total = 1 << 30; // far more than every buffer on the way could take
  let received = 0;
  const stalled = new Writable({ highWaterMark: 16 * 1024, write(c: Buffer, _e, _cb) { received += c.length; /* never calls back */ } });
  const ac = new AbortController();
  const before = translatorSockets.length;
  const done = streamExec(`${url}/api/v1/namespaces/default/pods/web/exec?command=head&command=-c&command=${total}&command=%2Fdev%2Fzero&container=web&stdout=true`, { stdout: stalled, tty: false, signal: ac.signal });
  await waitFor(() => translatorSockets.length > before && received > 0, { what: 'the first output', timeoutMs: 30_000 }).catch((e) => { throw new Error(`${e.message} (${translatorSockets.length - before} connections, ${received} bytes)`); });
  const fromKubelet = translatorSockets[before]!;
  const memory = () => process.memoryUsage().arrayBuffers;
  const startMemory = memory();
  // Wait until nothing moves any more (the same count twice, 250 ms apart).
  let last = -1;
  await waitFor(() => { const now = fromKubelet.bytesRead; const still = now === last; last = now; return still; }, { what: 'the translator to stop reading the kubelet', intervalMs: 250, timeoutMs: 60_000 });
  // Stopped long before the end: the command is blocked in write, and the kernel's socket buffers hold the rest.
  assert.ok(fromKubelet.bytesRead < total / 4, `the translator read ${fromKubelet.bytesRead} bytes from the kubelet for a client that read ${received}`);
  // In the API server itself: its kubelet socket is paused with little read and not taken, memory did not follow.
  assert.ok(fromKubelet.readableLength < 1 << 20, `${fromKubelet.readableLength} bytes read from the kubelet and not taken`);
  assert.ok(memory() - startMemory < 32 << 20, `array buffers grew by ${memory() - startMemory} bytes while stalled`);
  ac.abort(new Error('enough'));
  await assert.rejects(done, /enough/);
});

test('which requests are translated: a WebSocket offering v5 only; SPDY and older WebSocket protocols pass through', () => {
  const req = (h: Record<string, string>) => ({ headers: Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])) }) as IncomingMessage;
  assert.equal(shouldTranslate(req({ Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' })), true);
  assert.equal(shouldTranslate(req({ Connection: 'keep-alive, Upgrade', Upgrade: 'WebSocket', 'Sec-WebSocket-Protocol': 'v4.channel.k8s.io, v5.channel.k8s.io' })), true);
  assert.equal(shouldTranslate(req({ Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'v4.channel.k8s.io,channel.k8s.io' })), false);
  assert.equal(shouldTranslate(req({ Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v5.channel.k8s.io' })), false);
  assert.equal(shouldTranslate(req({ Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' })), false, 'no Connection: Upgrade');
});

test('the result mapping, as streamtranslator.go: exit codes in its words, a Status passed whole, anything else InternalError', () => {
  assert.deepEqual(exitResult({ metadata: {}, status: 'Success' }), { exitCode: 0 });
  assert.deepEqual(exitResult({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }),
    { exitCode: 3, message: 'command terminated with exit code 3' });
  const forbidden = { metadata: {}, status: 'Failure', reason: 'Forbidden', message: 'no', code: 403 } as const;
  assert.deepEqual(translatedError(new UpgradeError(403, forbidden, '{}')).status, forbidden);
  const internal = translatedError(new UpgradeError(500, undefined, 'container not found ("web")')).status;
  assert.deepEqual([internal.code, internal.reason, internal.message], [500, 'InternalError', 'Internal error occurred: unable to upgrade connection: container not found ("web")']);
  assert.throws(() => exitResult({ metadata: {}, status: 'Failure', message: 'runtime said no' }), (e: Error & { status?: { message?: string } }) => e.status?.message === 'Internal error occurred: runtime said no');
});

function pidsWith(marker: string): string[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === marker; } catch { return false; }
  });
}

test('kubectl 1.32 exec -it through the translator: a terminal, its size, a resize carried from channel 4 to the SPDY resize stream, exit 3', async (t) => {
  const path = bin(32);
  if (!path) return t.skip('kubectl 1.32 is not installed beside the dispatcher');
  const term = await kubectlTerminal(t, path, ['--kubeconfig', kubeconfig, 'exec', '-it', 'web', '--', 'sh'],
    { ...process.env, KUBECACHEDIR: join(dir, 'cache'), PS1: '$ ' }, 60_000);
  if (!term) return;
  await term.ask('echo $((6*7))', /\r\n42\r\n/);
  await term.ask('stty size', /\r\n24 80\r\n/);
  await term.resize(100, 30);
  assert.equal(await term.exit(3), 3);
});

test('a client that stops reading, then disconnects: the kubelet connection closes and the command is killed', async () => {
  const marker = `marker${randomInt(100000, 999999)}`;
  const ac = new AbortController();
  let got = 0;
  const stalled = new Writable({ highWaterMark: 1024, write(c: Buffer, _e, _cb) { got += c.length; /* never calls back: stops reading */ } });
  const before = kubeletSockets.length;
  const done = streamExec(`${url}/api/v1/namespaces/default/pods/web/exec?command=yes&command=${marker}&container=web&stdout=true`, { stdout: stalled, tty: false, signal: ac.signal });
  await waitFor(() => got > 0 && pidsWith(`yes ${marker}`).length === 1, { what: 'yes to run and its output to arrive', timeoutMs: 30_000 });
  ac.abort(new Error('gone'));
  await assert.rejects(done, /gone/);
  await waitFor(() => kubeletSockets[before]!.destroyed, { what: 'the kubelet connection to close', timeoutMs: 15_000 });
  await waitFor(() => pidsWith(`yes ${marker}`).length === 0, { what: 'yes to be killed', timeoutMs: 15_000 });
});

test('a client that sends garbage after the 101: the session ends, the kubelet connection closes, the API server carries on', async () => {
  const { connect } = await import('node:net');
  const marker = `sleep ${randomInt(100000, 999999)}`;
  const port = new URL(url).port;
  const before = kubeletSockets.length;
  const sock = connect(Number(port), '127.0.0.1');
  sock.on('error', () => {});
  let answer = '';
  sock.on('data', (c) => { answer += c.toString('latin1'); });
  const cmd = ['sh', '-c', `exec ${marker}`].map((w) => `command=${encodeURIComponent(w)}`).join('&');
  sock.write(`GET /api/v1/namespaces/default/pods/web/exec?${cmd}&container=web&stdout=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
  await waitFor(() => answer.startsWith('HTTP/1.1 101') && pidsWith(marker).length === 1, { what: `the 101 and ${marker}`, timeoutMs: 30_000 });
  sock.write(Buffer.from('ff'.repeat(64), 'hex')); // not a WebSocket frame a client may send (unmasked, reserved bits)
  await waitFor(() => kubeletSockets[before]!.destroyed, { what: 'the kubelet connection to close', timeoutMs: 15_000 });
  await waitFor(() => pidsWith(marker).length === 0, { what: `${marker} to be killed`, timeoutMs: 15_000 });
  sock.destroy();
  const after = await ours(false).run(['exec', 'web', '--', 'echo', 'still here']);
  assert.deepEqual([after.code, after.stdout], [0, 'still here\n']);
});
