// The judge: the real kubectl (1.27 and 1.29 on SPDY, 1.32 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, and 1.32 falling back from its refused v5 WebSocket) against a tiny API server whose exec backend is serveRemoteCommand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomInt } from 'node:crypto';
import { APIServer } from '../../../src/apiserver/server.ts';
import { execSubresource } from '../../../src/apiserver/exec/rest.ts';
import { serveRemoteCommand } from '../../../src/remotecommand/serve-stream.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { writeKubeconfig } from '../../../src/workbook/kubeconfig.ts';
import { waitFor } from '../../../src/util/wait.ts';
import type { Pod } from '../../../src/api/types.ts';
import { kubectlTerminal } from '../../fixtures/kubectl-terminal.ts';

// The versioned binaries sit beside the gcloud dispatcher that `kubectl` on PATH is.
function kubectlDir(): string | undefined {
  try { return dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim())); } catch { return undefined; }
}
const binDir = kubectlDir();
const bin = (minor: number) => (binDir && existsSync(join(binDir, `kubectl.1.${minor}`)) ? join(binDir, `kubectl.1.${minor}`) : undefined);

interface Client { name: string; path?: string; env: Record<string, string>; upgrade: string[] }
const clients: Client[] = [
  { name: 'kubectl 1.27', path: bin(27), env: {}, upgrade: ['spdy/3.1'] },
  { name: 'kubectl 1.29', path: bin(29), env: {}, upgrade: ['spdy/3.1'] },
  { name: 'kubectl 1.32 (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', path: bin(32), env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, upgrade: ['spdy/3.1'] },
  // v5 only over WebSocket: the streaming server's set has no v5, so 403, and kubectl retries over SPDY.
  { name: 'kubectl 1.32 (WebSocket refused, SPDY fallback)', path: bin(32), env: {}, upgrade: ['websocket', 'spdy/3.1'] },
];

const dir = mkdtempSync(join(tmpdir(), 'spdy-kubectl-'));
const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
const upgrades: string[] = [];
const serverLog: string[] = [];
const server = new APIServer({
  name: 'apiserver', stateDir: dir, log: () => {},
  subresources: {
    'pods/exec': execSubresource(() => ({
      connect: async (req, socket, head, _pod, o) => {
        upgrades.push(String(req.headers.upgrade ?? '').toLowerCase());
        await serveRemoteCommand(req, socket, head, {
          executor, target: { container: dir, cmd: o.command }, options: o, log: (l) => serverLog.push(l),
        });
      },
    })),
  },
});
const url = await server.listen(0);
const kubeconfig = join(dir, 'kubeconfig');
writeKubeconfig(kubeconfig, url);
const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
await server.pods.create('default', pod);
test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run { code: number; stdout: string; stderr: string }
function kubectl(c: Client, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(c.path!, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), ...c.env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin); else child.stdin!.end();
  });
}

for (const c of clients) {
  test(`${c.name}: date, stdin through cat to its EOF, stdout and stderr apart, exit codes`, async (t) => {
    if (!c.path) return t.skip(`${c.name} is not installed beside the kubectl dispatcher`);
    upgrades.length = 0;
    const date = await kubectl(c, ['exec', 'web', '--', 'date', '+%Y']);
    assert.equal(date.code, 0, date.stderr);
    assert.equal(date.stdout, `${new Date().getFullYear()}\n`);
    assert.deepEqual(upgrades, c.upgrade, 'the transports kubectl used');

    const big = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`).join('\n') + '\n';
    const cat = await kubectl(c, ['exec', '-i', 'web', '--', 'cat'], big);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, big, 'stdin arrives whole and its EOF ends cat');

    const split = await kubectl(c, ['exec', 'web', '--', 'sh', '-c', 'echo to-out; echo to-err >&2']);
    assert.equal(split.code, 0, split.stderr);
    assert.equal(split.stdout, 'to-out\n');
    assert.equal(split.stderr, 'to-err\n');

    const exit = await kubectl(c, ['exec', 'web', '--', 'sh', '-c', 'exit 42']);
    assert.equal(exit.code, 42);
    assert.equal(exit.stderr, 'command terminated with exit code 42\n');

    const missing = await kubectl(c, ['exec', 'web', '--', 'no-such-command-spdy']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error executing command in container: .*no-such-command-spdy/);
  });
}

test('kubectl 1.27 exec -it over SPDY: a terminal, its size and a resize, exit 3', async (t) => {
  const c = clients[0]!;
  if (!c.path) return t.skip(`${c.name} is not installed beside the kubectl dispatcher`);
  const term = await kubectlTerminal(t, c.path, ['--kubeconfig', kubeconfig, 'exec', '-it', 'web', '--', 'sh'],
    { ...process.env, KUBECACHEDIR: join(dir, 'cache'), PS1: '$ ' }, 30_000);
  if (!term) return;
  await term.ask('echo $((6*7))', /\r\n42\r\n/);
  await term.ask('stty size', /\r\n24 80\r\n/);
  await term.resize(100, 30);
  assert.equal(await term.exit(3), 3);
});

test('a kubectl killed mid-command: the process it started is killed', async (t) => {
  const c = clients[1]!;
  if (!c.path) return t.skip(`${c.name} is not installed beside the kubectl dispatcher`);
  const marker = `sleep ${randomInt(100000, 999999)}`;
  const child = spawn(c.path, ['--kubeconfig', kubeconfig, 'exec', 'web', '--', 'sh', '-c', `exec ${marker}`], { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') }, stdio: 'ignore' });
  const pids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === marker; } catch { return false; }
  });
  await waitFor(() => pids().length === 1, { what: `${marker} to start`, timeoutMs: 30_000 });
  child.kill('SIGKILL');
  await waitFor(() => pids().length === 0, { what: `${marker} to be killed`, timeoutMs: 15_000 });
});
