// The real kubectl over SPDY through the whole chain of chapter 5 (API server → kubelet → the shim's streaming server), the
// shim serving upstream's sets: kubectl 1.27 and 1.29 by default, 1.32 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, and 1.32
// whose v5 WebSocket the streaming server refuses (403, relayed by both proxies) falling back to SPDY.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startComponent, stopProcessTree, type ComponentProcess } from '../../src/workbook/supervisor.ts';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import { writeKubeconfig } from '../../src/workbook/kubeconfig.ts';
import type { ComponentSpec } from '../../src/workbook/types.ts';
import { RESTClient } from '../../src/client/rest-client.ts';
import { waitFor } from '../../src/util/wait.ts';
import type { Pod } from '../../src/api/types.ts';
import { kubectlTerminal } from '../fixtures/kubectl-terminal.ts';

function kubectlDir(): string | undefined {
  try { return dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim())); } catch { return undefined; }
}
const binDir = kubectlDir();
const bin = (minor: number) => (binDir && existsSync(join(binDir, `kubectl.1.${minor}`)) ? join(binDir, `kubectl.1.${minor}`) : undefined);

describe('SPDY through the chain of chapter 5, the streaming server serving upstream\'s sets', () => {
  let dir = '';
  let kubeconfig = '';
  const procs: ComponentProcess[] = [];
  const log: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ike-spdy-chain-'));
    const start = async (spec: ComponentSpec, args: string[]) => {
      const p = await startComponent(spec, { repoRoot, stateDir: dir, args, log: (l) => { log.push(l); if (log.length > 2000) log.shift(); } });
      procs.push(p);
      return p.announcement;
    };
    const api = await start({ name: 'apiserver', entry: 'src/checkpoints/streaming/apiserver.ts', probe: 'http' }, ['--port=0']);
    kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api.url!);
    const shim = await start({ name: 'shim-node-1', entry: 'tests/fixtures/upstream-shim.ts', probe: 'socket' }, []);
    await start({ name: 'kubelet-node-1', entry: 'src/checkpoints/streaming/kubelet.ts', probe: 'http' },
      ['--node-name=node-1', `--apiserver=${api.url}`, '--port=0', '--heartbeat-interval=1s', `--container-runtime-endpoint=unix://${shim.socket}`]);
    const client = new RESTClient({ server: api.url! });
    await client.post('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx' }] } });
    await waitFor(async () => (await client.get<Pod>('/api/v1/namespaces/default/pods/web')).status?.phase === 'Running', { timeoutMs: 60_000, what: 'pod web Running' });
  });
  after(async () => {
    for (const p of procs.reverse()) await stopProcessTree(p.child, p.exited);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = (path: string, env: Record<string, string>, args: string[], stdin = '') =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(path, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'kube-cache'), ...env }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
      child.stdin!.end(stdin);
    });

  const clients: { name: string; minor: number; env: Record<string, string>; methods: string[] }[] = [
    { name: 'kubectl 1.27', minor: 27, env: {}, methods: ['POST'] },
    { name: 'kubectl 1.29', minor: 29, env: {}, methods: ['POST'] },
    { name: 'kubectl 1.32 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false', minor: 32, env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, methods: ['POST'] },
    { name: 'kubectl 1.32 (its v5 WebSocket refused: SPDY fallback)', minor: 32, env: {}, methods: ['GET', 'POST'] },
  ];
  for (const c of clients) {
    test(`${c.name}: date, stdin to EOF, stderr apart, exit 42, all on the streaming server over SPDY`, async (t) => {
      const path = bin(c.minor);
      if (!path) return t.skip(`kubectl.1.${c.minor} is not installed beside the kubectl dispatcher`);
      const from = log.length;
      const date = await kubectl(path, c.env, ['exec', 'web', '--', 'date', '+%Y']);
      assert.equal(date.code, 0, date.stderr);
      assert.equal(date.stdout, `${new Date().getFullYear()}\n`);
      // The streaming server's own line per request: POST is SPDY, GET a WebSocket.
      // (Its log line travels through a pipe: it may arrive after kubectl has exited.)
      const seen = () => log.slice(from).map((l) => /^\[shim-node-1\] (GET|POST) \/exec\/[\w-]+…: exec in /.exec(l)?.[1]).filter(Boolean);
      await waitFor(() => seen().length >= c.methods.length, { what: 'the streaming server\'s log lines', timeoutMs: 10_000 }).catch(() => {});
      assert.deepEqual(seen(), c.methods, log.slice(from).join('\n'));
      const lines = Array.from({ length: 3000 }, (_, i) => `${i} ${'y'.repeat(50)}`).join('\n') + '\n';
      const cat = await kubectl(path, c.env, ['exec', '-i', 'web', '--', 'cat'], lines);
      assert.equal(cat.code, 0, cat.stderr);
      assert.equal(cat.stdout, lines);
      const split = await kubectl(path, c.env, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 42']);
      assert.equal(split.code, 42);
      assert.equal(split.stdout, 'out\n');
      assert.equal(split.stderr, 'err\ncommand terminated with exit code 42\n');
    });
  }

  test('kubectl 1.29 exec -it over SPDY through the chain: the terminal\'s size, a resize on the resize stream, exit 3', async (t) => {
    const path = bin(29);
    if (!path) return t.skip('kubectl.1.29 is not installed beside the kubectl dispatcher');
    const term = await kubectlTerminal(t, path, ['--kubeconfig', kubeconfig, 'exec', '-it', 'web', '--', 'sh'],
      { ...process.env, KUBECACHEDIR: join(dir, 'kube-cache') }, 30_000);
    if (!term) return;
    await term.ask('stty size', /\r\n24 80\r\n/);
    await term.resize(100, 30);
    assert.equal(await term.exit(3), 3);
  });
});
