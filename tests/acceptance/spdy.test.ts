// Chapter 8's checkpoint: every bundled real kubectl, 1.27 to 1.33, on the path it takes (1.27–1.29 SPDY through the
// API server's proxy; 1.30+ a v5 WebSocket the StreamTranslator turns into SPDY; 1.30+ with
// KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false on SPDY), and ours both ways, against one running checkpoint; then the
// article's -v=7 POST and 101, stdin EOF as a half-close, a kubelet refusal in upstream's words through the translator,
// and a kubelet or runtime shim killed mid-stream, on each path.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { bundledKubectl, execScenarios, ourKubectl, type ExecClient } from './exec-scenarios.ts';
import { run, useCheckpoint, type CriContext, type Run } from './cri-common.ts';
import { waitFor } from '../../src/util/wait.ts';

const SPDY_ONLY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
// A version not installed keeps its bare name: the suite says so and skips it.
const real = (version: string, scenarios: ExecClient['scenarios'], env?: Record<string, string>): ExecClient => ({
  name: `kubectl ${version} (${env ? 'SPDY, KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false' : Number(version.split('.')[1]) <= 29 ? 'SPDY' : 'WebSocket, translated'})`,
  argv: [bundledKubectl(version) ?? `kubectl.${version}`], env, scenarios,
});

// Every version on its default path, and every 1.30+ also on SPDY: the whole suite each, against one checkpoint. Measured
// on the 2-core box: 102 s for these 13 clients, 91 s with the versions beside one per path on the 'subset' (so the whole
// suite it is); the real kubectls take 2-4 s each, ours 12-20 s (node and tsx start per exec), the terminals 40 s.
const clients: ExecClient[] = [
  real('1.29', 'all'),
  real('1.33', 'all'),
  real('1.32', 'all', SPDY_ONLY),
  { name: 'our kubectl (WebSocket, translated)', argv: ourKubectl(), scenarios: 'all' },
  { name: 'our kubectl (SPDY, KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', argv: ourKubectl(), env: SPDY_ONLY, scenarios: 'all' },
  real('1.27', 'all'),
  real('1.28', 'all'),
  real('1.30', 'all'),
  real('1.31', 'all'),
  real('1.32', 'all'),
  real('1.30', 'all', SPDY_ONLY),
  real('1.31', 'all', SPDY_ONLY),
  real('1.33', 'all', SPDY_ONLY),
];

execScenarios('spdy', { missingCommand: 'exit-126', clients, ttyClients: clients });

const installed = (c: ExecClient) => existsSync(c.argv[0]!);
const k129 = real('1.29', 'all'), k133 = real('1.33', 'all'), k132spdy = real('1.32', 'all', SPDY_ONLY);
const oursSpdy = clients[4]!;

function kc(ctx: CriContext, client: ExecClient, args: string[], input?: string): Promise<Run> {
  const [file, ...pre] = client.argv;
  return run(file!, [...pre, '--kubeconfig', ctx.cp.kubeconfig, ...args], { ...ctx.cp.env, ...client.env }, input);
}

// A session that prints a line, then waits; resolves once the line is out.
function longExec(ctx: CriContext, client: ExecClient, pod: string) {
  const [file, ...pre] = client.argv;
  const child = spawn(file!, [...pre, '--kubeconfig', ctx.cp.kubeconfig, 'exec', pod, '--', 'sh', '-c', 'echo started; sleep 60; echo finished'],
    { env: { ...ctx.cp.env, ...client.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  const started = waitFor(() => stdout.includes('started'), { timeoutMs: 60_000, what: `${client.name}: the session to start` });
  return { child, done, started };
}

describe('chapter 8 (spdy): SPDY, and the chain in upstream\'s shape', () => {
  const ctx = useCheckpoint('spdy');

  test('kubectl 1.27 -v=7: the article\'s POST with four X-Stream-Protocol-Version lines, and 101 Switching Protocols', async (t) => {
    const k127 = real('1.27', 'all');
    if (!installed(k127)) return t.skip('kubectl 1.27 is not installed beside the dispatcher');
    await ctx.createPod('sp-verbose');
    await ctx.phase('sp-verbose', 'Running');
    const r = await kc(ctx, k127, ['-v=7', 'exec', 'sp-verbose', '--', 'date']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \w+ \d{4}\n$/);
    const log = r.stderr.split('\n').map((l) => l.replace(/^I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] /, ''));
    assert.ok(log.some((l) => /^POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/pods\/sp-verbose\/exec\?command=date&container=sp-verbose&stderr=true&stdout=true$/.test(l)), r.stderr);
    assert.deepEqual(log.filter((l) => /^\s*X-Stream-Protocol-Version: /.test(l)).map((l) => l.trim()), [
      'X-Stream-Protocol-Version: v4.channel.k8s.io',
      'X-Stream-Protocol-Version: v3.channel.k8s.io',
      'X-Stream-Protocol-Version: v2.channel.k8s.io',
      'X-Stream-Protocol-Version: channel.k8s.io',
    ]);
    assert.ok(log.some((l) => /^Response Status: 101 Switching Protocols in \d+ milliseconds$/.test(l)), r.stderr);
  });

  // The "done when": the article's own command, on a terminal.
  test('kubectl 1.27 -v=7 exec -it nginx -- /bin/bash: the POST with tty=true and the 101, then a working shell', async (t) => {
    const k127 = real('1.27', 'all');
    if (!installed(k127)) return t.skip('kubectl 1.27 is not installed beside the dispatcher');
    const pty = await import('node-pty').catch(() => null);
    if (!pty) return t.skip('node-pty is not installed: cannot give kubectl a terminal');
    await ctx.createPod('nginx');
    await ctx.phase('nginx', 'Running');
    const term = pty.spawn(k127.argv[0]!, ['--kubeconfig', ctx.cp.kubeconfig, '-v=7', 'exec', '-it', 'nginx', '--', '/bin/bash'], { cols: 100, rows: 30, env: ctx.cp.env as Record<string, string> });
    t.after(() => { try { term.kill('SIGKILL'); } catch { /* exited */ } });
    let out = '';
    term.onData((d) => { out += d; });
    const code = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    await waitFor(() => /Response Status: 101 Switching Protocols/.test(out) && /# (\x1b\[6n)?$/.test(out.trimEnd() + ' '), { timeoutMs: 30_000, what: 'the 101 and the prompt' }).catch((err: Error) => {
      throw new Error(`${err.message}; the terminal shows: ${JSON.stringify(out.slice(-600))}`);
    });
    assert.match(out, /POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/default\/pods\/nginx\/exec\?command=%2Fbin%2Fbash&container=nginx&stdin=true&stdout=true&tty=true/);
    assert.equal(out.match(/X-Stream-Protocol-Version: /g)?.length, 4);
    term.write('echo $((6*7))\r');
    await waitFor(() => /\r\n42\r\n/.test(out), { timeoutMs: 30_000, what: 'bash to answer' });
    term.write('exit 3\r');
    assert.equal(await code, 3);
  });

  test('stdin EOF on SPDY is the stdin stream\'s half-close: the command reads to its end and goes on writing', async (t) => {
    await ctx.createPod('sp-eof');
    await ctx.phase('sp-eof', 'Running');
    for (const client of [k129, k132spdy, oursSpdy]) {
      if (!installed(client)) { t.diagnostic(`${client.name} is not installed: skipped`); continue; }
      const r = await kc(ctx, client, ['exec', '-i', 'sp-eof', '--', 'sh', '-c', 'wc -c; echo after EOF; echo to stderr >&2; exit 5'], 'x'.repeat(100_000));
      assert.deepEqual([r.code, r.stdout, r.stderr], [5, '100000\nafter EOF\n', 'to stderr\ncommand terminated with exit code 5\n'], client.name);
    }
  });

  // The kubelet refuses after the translator's 101: the refusal comes back as an InternalError Status on channel 3,
  // "unable to upgrade connection: <the kubelet's words>" (streamtranslator.go), where SPDY shows the kubelet's answer.
  // The kubelet looks for the container among the running ones (GetExec's findContainer): an exited one is not found.
  test('a container that is not running: the kubelet\'s refusal in upstream\'s words, through the translator and on SPDY', async () => {
    // Two containers, one done: the pod is Running (kubectl execs only into a pod that is not completed), the container not.
    await ctx.createPod('sp-two', { restartPolicy: 'Never', containers: [
      { name: 'web', image: 'nginx' },
      { name: 'done', image: 'busybox', command: ['sh', '-c', 'exit 0'] },
    ] });
    await waitFor(async () => {
      const p = await ctx.client.get<{ status?: { phase?: string; containerStatuses?: { name: string; state: { terminated?: unknown; running?: unknown } }[] } }>('/api/v1/namespaces/default/pods/sp-two');
      const s = p.status?.containerStatuses ?? [];
      return p.status?.phase === 'Running' && s.find((c) => c.name === 'done')?.state.terminated && s.find((c) => c.name === 'web')?.state.running;
    }, { timeoutMs: 60_000, what: 'sp-two running with its "done" container exited' });
    const translated = installed(k133) ? k133 : clients[3]!;
    const viaTranslator = await kc(ctx, translated, ['exec', 'sp-two', '-c', 'done', '--', 'date']);
    assert.equal(viaTranslator.code, 1, viaTranslator.stderr);
    assert.match(viaTranslator.stderr, /^error: Internal error occurred: unable to upgrade connection: container not found \("done"\)\n$/, translated.name);
    const spdy = installed(k129) ? k129 : oursSpdy;
    const viaSpdy = await kc(ctx, spdy, ['exec', 'sp-two', '-c', 'done', '--', 'date']);
    assert.equal(viaSpdy.code, 1, viaSpdy.stderr);
    assert.match(viaSpdy.stderr, /^error: unable to upgrade connection: container not found \("done"\)\n$/, spdy.name);
  });

  // A client that upgrades to SPDY, then sends garbage: every hop relays or refuses it, none of them dies. A frame head
  // of an unknown control type ends the runtime's connection at once (spdystream's read loop fails on it), and the
  // close travels back through both proxies; random bytes may announce a DATA frame of up to 16 MiB, which the runtime
  // waits for (as spdystream would) until this client goes.
  test('garbage after the SPDY 101, through the API server and the kubelet to the runtime: every component lives on', async () => {
    await ctx.createPod('sp-garbage');
    await ctx.phase('sp-garbage', 'Running');
    const components = Object.values(ctx.cp.announcements).map((a) => ({ name: a.name, pid: a.pid }));
    const api = new URL(ctx.cp.announcements.apiserver!.url!);
    const unknownControl = Buffer.concat([Buffer.from([0x80, 0x03, 0x00, 0x63, 0x00, 0x00, 0x00, 0x08]), randomBytes(8)]);
    for (const garbage of [unknownControl, randomBytes(64 << 10), randomBytes(64 << 10)]) {
      const sock = connect(Number(api.port), api.hostname);
      sock.on('error', () => {});
      const closed = new Promise((resolve) => sock.on('close', resolve));
      const got: Buffer[] = [];
      sock.on('data', (c: Buffer) => got.push(c));
      sock.write('POST /api/v1/namespaces/default/pods/sp-garbage/exec?command=sleep&command=30&stdout=true HTTP/1.1\r\nHost: x\r\n'
        + 'Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n');
      await waitFor(() => Buffer.concat(got).includes('\r\n\r\n'), { what: 'the answer to the upgrade' });
      assert.match(Buffer.concat(got).toString('latin1'), /^HTTP\/1\.1 101 /);
      sock.write(garbage);
      if (garbage === unknownControl) await waitFor(() => sock.destroyed || sock.readableEnded, { timeoutMs: 30_000, what: 'the chain to close the connection' });
      else sock.destroy();
      await closed;
    }
    for (const c of components) assert.ok(process.kill(c.pid, 0), `${c.name} (pid ${c.pid}) died`);
    const r = await kc(ctx, installed(k129) ? k129 : oursSpdy, ['exec', 'sp-garbage', '--', 'echo', 'still here']);
    assert.deepEqual([r.code, r.stdout], [0, 'still here\n'], r.stderr);
  });

  // Each hop that loses its backend says so (lost-stream.ts); kubectl must never report success for a cut stream.
  for (const [component, hop] of [['kubelet-node-2', /kubelet node-2/], ['shim-node-2', /runtime shim node-2/]] as const) {
    test(`${component} killed mid-stream: translated and SPDY sessions end non-zero, naming the hop; exec works again after`, async (t) => {
      const pod = `sp-kill-${component.split('-')[0]}`;
      await ctx.createPod(pod, { nodeName: 'node-2' });
      await ctx.phase(pod, 'Running');
      const sessions = [installed(k133) ? k133 : clients[3]!, installed(k129) ? k129 : oursSpdy, oursSpdy].map((c) => ({ client: c, ...longExec(ctx, c, pod) }));
      t.after(() => { for (const s of sessions) s.child.kill('SIGKILL'); });
      await Promise.all(sessions.map((s) => s.started));
      await ctx.cp.stopComponent(component, 'SIGKILL');
      let restarted = false;
      const restart = async () => { if (!restarted) { restarted = true; await ctx.cp.startComponent(component); } };
      t.after(restart); // the next test needs the node whole, even when this one fails
      for (const s of sessions) {
        const r = await s.done;
        assert.notEqual(r.code, 0, `${s.client.name}: a cut stream reported as success (stderr: ${JSON.stringify(r.stderr)})`);
        assert.equal(r.stdout, 'started\n', s.client.name);
        assert.match(r.stderr, hop, s.client.name);
        t.diagnostic(`${s.client.name}: exit ${r.code}, ${r.stderr.trim()}`);
      }
      await restart();
      // A shim's restart ends the container its predecessor left; the kubelet starts it again.
      await waitFor(async () => (await kc(ctx, sessions[0]!.client, ['exec', pod, '--', 'true'])).code === 0, { timeoutMs: 90_000, what: `exec into ${pod} once ${component} is back` });
    });
  }
});
