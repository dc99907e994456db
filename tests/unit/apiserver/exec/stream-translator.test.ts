// The StreamTranslator in an API server, to a fake kubelet serving the runtime's protocol sets (SPDY v4…v1, WebSocket
// without v5): the real kubectl 1.32 (WebSocket v5, translated) and 1.29 (SPDY, passed through), ours in both modes;
// output, stdin EOF, exit codes, the kubelet's refusal as the real kubectl prints it, a kubelet lost mid-stream, backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
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
const server = new APIServer({
  name: 'apiserver', stateDir: dir, log: (l) => apiLog.push(l),
  subresources: {
    'pods/exec': execSubresource(() => new TranslatingExecBackend({ getNode: async () => node, preferredAddressTypes: ['InternalIP'], log: (l) => apiLog.push(l) })),
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
  const c = ours(false);
  const marker = `sleep ${randomInt(100000, 999999)}`;
  const before = kubeletSockets.length;
  const run = c.run(['exec', 'web', '--', 'sh', '-c', `echo started; exec ${marker}`]);
  await waitFor(() => kubeletSockets.length > before && pidsWith(marker).length === 1, { what: `${marker} to start`, timeoutMs: 30_000 });
  kubeletSockets[before]!.destroy();
  const r = await run;
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, 'started\n', 'error: Internal error occurred: kubelet node-1: connection lost mid-stream: EOF\n']);
  await waitFor(() => pidsWith(marker).length === 0, { what: `${marker} to end with its connection`, timeoutMs: 15_000 });
});

test('backpressure end to end: a client that stops reading stops the kubelet\'s side; the API server holds little', async () => {
  const total = 48 << 20;
  let received = 0;
  let release: (() => void) | undefined;
  let holding = true;
  const slow = new Writable({ highWaterMark: 16 * 1024, write(c: Buffer, _e, cb) { received += c.length; if (holding) release = cb; else cb(); } });
  const before = kubeletSockets.length;
  const done = streamExec(`${url}/api/v1/namespaces/default/pods/web/exec?command=head&command=-c&command=${total}&command=%2Fdev%2Fzero&container=web&stdout=true`, { stdout: slow, tty: false });
  await waitFor(() => kubeletSockets.length > before && release, { what: 'the first output', timeoutMs: 30_000 });
  const kubeletSide = kubeletSockets[before]!;
  let last = -1;
  await waitFor(() => { const now = kubeletSide.bytesWritten; const still = now === last; last = now; return still; }, { what: 'the kubelet side to stop writing', intervalMs: 250, timeoutMs: 30_000 });
  // What the kubelet wrote minus what the client took is what sits in kernel buffers and in the API server.
  assert.ok(kubeletSide.bytesWritten < 16 << 20, `the kubelet side wrote ${kubeletSide.bytesWritten} bytes for a client that read ${received}`);
  holding = false;
  release!();
  const status = await done;
  assert.equal(exitCodeFromStatus(status), 0);
  assert.equal(received, total);
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
  const pty = await import('node-pty').catch(() => null);
  if (!pty) return t.skip('node-pty is not installed: cannot give kubectl a terminal');
  const term = pty.spawn(path, ['--kubeconfig', kubeconfig, 'exec', '-it', 'web', '--', 'sh'],
    { cols: 80, rows: 24, env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), PS1: '$ ' } as Record<string, string> });
  let output = '';
  term.onData((d) => { output += d; });
  const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  t.after(() => { try { term.kill(); } catch { /* gone */ } });
  const ask = async (cmd: string, re: RegExp) => {
    const from = output.length;
    term.write(`${cmd}\r`);
    await waitFor(() => re.test(output.slice(from)), { timeoutMs: 30_000, what: `${cmd} to answer ${re}: ${JSON.stringify(output.slice(-300))}` });
  };
  await ask('echo $((6*7))', /\r\n42\r\n/);
  await ask('stty size', /\r\n24 80\r\n/);
  term.resize(100, 30);
  // The new size travels kubectl → WebSocket → translator → SPDY → runtime: ask until the terminal has it.
  await waitFor(async () => {
    const from = output.length;
    await ask('stty size', /\r\n\d+ \d+\r\n/);
    return /\r\n30 100\r\n/.test(output.slice(from));
  }, { timeoutMs: 30_000, what: 'the resize to reach the terminal' });
  term.write('exit 3\r');
  assert.equal(await exited, 3);
});
