// Our kubectl over SPDY: the fallback after a refused WebSocket and KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, against a
// server with the runtime's protocol sets (no v5); its -v=6/-v=7 lines compared with the real kubectl 1.32's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { APIServer } from '../../../src/apiserver/server.ts';
import { execSubresource } from '../../../src/apiserver/exec/rest.ts';
import { serveRemoteCommand } from '../../../src/remotecommand/serve-stream.ts';
import { remoteCommandExecutor } from '../../../src/remotecommand/fallback.ts';
import { runKubectl } from '../../../src/kubectl/kubectl.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { writeKubeconfig } from '../../../src/workbook/kubeconfig.ts';
import type { Pod } from '../../../src/api/types.ts';

function kubectlDir(): string | undefined {
  try { return dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim())); } catch { return undefined; }
}
const binDir = kubectlDir();
const real132 = binDir && existsSync(join(binDir, 'kubectl.1.32')) ? join(binDir, 'kubectl.1.32') : undefined;

const dir = mkdtempSync(join(tmpdir(), 'exec-spdy-'));
const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
const upgrades: string[] = [];
const server = new APIServer({
  name: 'apiserver', stateDir: dir, log: () => {},
  subresources: {
    'pods/exec': execSubresource(() => ({
      connect: async (req, socket, head, _pod, o) => {
        upgrades.push(`${req.method} ${String(req.headers.upgrade ?? '').toLowerCase()}`);
        await serveRemoteCommand(req, socket, head, { executor, target: { container: dir, cmd: o.command }, options: o });
      },
    })),
  },
});
const url = await server.listen(0);
const kubeconfig = join(dir, 'kubeconfig');
writeKubeconfig(kubeconfig, url);
await server.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } as Pod);
test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run { code: number; stdout: string; stderr: string }
async function ours(args: string[], env: NodeJS.ProcessEnv = {}, stdin = ''): Promise<Run> {
  const input = Object.assign(new PassThrough(), { isTTY: false });
  input.end(stdin);
  let stdout = ''; let stderr = '';
  const out = new Writable({ write(c, _e, cb) { stdout += c; cb(); } });
  const err = new Writable({ write(c, _e, cb) { stderr += c; cb(); } });
  const code = await runKubectl(['--kubeconfig', kubeconfig, ...args], { streams: { in: input as never, out: out as never, err: err as never }, env, streamExec: async () => remoteCommandExecutor(env) });
  return { code, stdout, stderr };
}
function theirs(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(real132!, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    child.stdin!.end();
  });
}
// The exec's log lines, klog headers and volatile parts removed: "<file>] <message>".
function execLines(stderr: string, upTo: number): string[] {
  return stderr.split('\n').filter((l) => /^I\d{4} /.test(l)).map((l) => l.replace(/^I\S+ \S+\s+\d+ (\S+?):\d+\] /, '$1] '))
    .filter((l) => /^(round_trippers|fallback)\.go\] /.test(l) && (l.includes('/exec') || l.includes('fallback') || /^round_trippers\.go\] (Response Status|    X-Stream|    Sec-Websocket)/.test(l)))
    .slice(0, upTo)
    .map((l) => l.replace(/in \d+ milliseconds/, 'in N milliseconds').replace(/127\.0\.0\.1:\d+/g, 'HOST'));
}

test('the fallback: a refused WebSocket (no v5 here), then SPDY; output, stdin to EOF, exit codes', async () => {
  upgrades.length = 0;
  const date = await ours(['exec', 'web', '--', 'date', '+%Y']);
  assert.deepEqual([date.code, date.stdout], [0, `${new Date().getFullYear()}\n`], date.stderr);
  assert.deepEqual(upgrades, ['GET websocket', 'POST spdy/3.1']);
  const big = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const cat = await ours(['exec', '-i', 'web', '--', 'cat'], {}, big);
  assert.deepEqual([cat.code, cat.stdout === big], [0, true], cat.stderr);
  const exit = await ours(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.deepEqual([exit.code, exit.stdout, exit.stderr], [7, 'out\n', 'err\ncommand terminated with exit code 7\n']);
});

test('KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false (any case): SPDY only, no WebSocket attempt', async () => {
  for (const value of ['false', 'False']) {
    upgrades.length = 0;
    const r = await ours(['exec', 'web', '--', 'echo', 'hi'], { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: value });
    assert.deepEqual([r.code, r.stdout, upgrades], [0, 'hi\n', ['POST spdy/3.1']]);
  }
  upgrades.length = 0;
  await ours(['exec', 'web', '--', 'true'], { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: '0' });
  assert.deepEqual(upgrades, ['GET websocket', 'POST spdy/3.1'], '"0" is not "false": WebSockets stay on');
});

test('a refusal of both: the SPDY one is what the user sees, as the real kubectl prints it', async (t) => {
  const r = await ours(['exec', 'web', '-c', 'nope', '--', 'date']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'Error from server (BadRequest): container nope is not valid for pod web\n');
  if (!real132) return t.skip('kubectl 1.32 is not installed beside the dispatcher');
  const real = await theirs(['exec', 'web', '-c', 'nope', '--', 'date']);
  assert.deepEqual([r.code, r.stderr], [real.code, real.stderr]);
});

test('-v=6 and -v=7: the refused GET, the fallback line at -v=4, the POST and its 101, line for line as kubectl 1.32', async (t) => {
  const mine6 = await ours(['-v=6', 'exec', 'web', '--', 'true']);
  assert.equal(mine6.code, 0, mine6.stderr);
  const lines6 = execLines(mine6.stderr, 3);
  assert.deepEqual(lines6.map((l) => l.replace(/: unable to upgrade streaming request: .*/, ': unable to upgrade streaming request: …')), [
    'round_trippers.go] GET http://HOST/api/v1/namespaces/default/pods/web/exec?command=true&container=web&stderr=true&stdout=true  in N milliseconds',
    'fallback.go] RemoteCommand fallback: unable to upgrade streaming request: …',
    'round_trippers.go] POST http://HOST/api/v1/namespaces/default/pods/web/exec?command=true&container=web&stderr=true&stdout=true 101 Switching Protocols in N milliseconds',
  ]);
  const mine7 = await ours(['-v=7', 'exec', 'web', '--', 'true']);
  const lines7 = execLines(mine7.stderr, 12);
  assert.deepEqual(lines7.filter((l) => l.includes('X-Stream-Protocol-Version')).map((l) => l.split(': ')[1]),
    ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
  if (!real132) return t.skip('kubectl 1.32 is not installed beside the dispatcher');
  const real6 = await theirs(['-v=6', 'exec', 'web', '--', 'true']);
  assert.deepEqual(lines6, execLines(real6.stderr, 3));
  const real7 = await theirs(['-v=7', 'exec', 'web', '--', 'true']);
  assert.deepEqual(lines7, execLines(real7.stderr, 12));
});
