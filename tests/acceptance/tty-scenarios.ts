// kubectl exec -it through a real pseudo-terminal, with the real kubectl and ours, against a running checkpoint: a shell
// prompt, resizes, Ctrl-C and Ctrl-D as bytes, a 1 MiB paste, exit codes, and the local terminal cooked again after each end.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import type { RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import { waitFor } from '../../src/util/wait.ts';
import type { Pod } from '../../src/api/types.ts';
import { bundledKubectl, ourKubectl, type ExecClient } from './kubectls.ts';
import { apiFetch, clientTLS } from './checkpoint-tls.ts';

type Pty = typeof import('node-pty');
interface Terminal { output(): string; write(s: string): void; resize(cols: number, rows: number): void; exited: Promise<number>; pid: number; kill(): void }

const withCmd = (argv: string) => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === argv; } catch { return false; }
}).map(Number);

// The real kubectl through the dispatcher (it picks the version the API server reports: 1.32), the bundled 1.30 and
// 1.33 directly when present, and ours.
function clients(kubectl: boolean): ExecClient[] {
  const list: ExecClient[] = [];
  if (kubectl) {
    list.push({ name: 'kubectl (dispatcher, 1.32)', argv: ['kubectl'] });
    for (const v of ['1.30', '1.33']) {
      const bin = bundledKubectl(v);
      if (bin) list.push({ name: `kubectl ${v}`, argv: [bin] });
    }
  }
  list.push({ name: 'our kubectl', argv: ourKubectl() });
  return list;
}

// The client runs inside sh on a fresh pty, so that after it ends the same terminal reports its mode: rc, whether
// `stty -g` is what it was before, and the `stty -a` flags of a cooked terminal. Then it waits for a line: node-pty
// drops what a process wrote just before it exited, if it was not read yet.
function open(pty: Pty, cp: RunningCheckpoint, argv: string[], t: TestContext, size = { cols: 80, rows: 24 }, env: Record<string, string> = {}): Terminal {
  const script = 'before=$(stty -g); "$@"; rc=$?; after=$(stty -g); [ "$before" = "$after" ] && same=yes || same=no; echo "<rc=$rc same=$same>"; stty -a; echo "<end>"; read _';
  const term = pty.spawn('sh', ['-c', script, 'sh', ...argv], { ...size, cwd: repoRoot, env: { ...cp.env as Record<string, string>, ...env } });
  let out = '';
  term.onData((d) => { out += d; });
  const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
  t.after(() => { try { process.kill(-term.pid, 'SIGKILL'); } catch { /* gone */ } });
  return { output: () => out, write: (s) => term.write(s), resize: (c, r) => term.resize(c, r), exited, pid: term.pid, kill: () => term.kill('SIGKILL') };
}

async function expect(term: Terminal, re: RegExp, what: string, from = 0): Promise<void> {
  await waitFor(() => re.test(term.output().slice(from)), { timeoutMs: 30_000, what }).catch((err: Error) => {
    throw new Error(`${err.message}; the terminal shows:\n${JSON.stringify(term.output().slice(-600))}`);
  });
}

// A person types once the prompt is there (dash's prompt as root is "# "; busybox ash's, in chapter 6's containers,
// is followed by ESC[6n, its question about the cursor's place, which a terminal window answers and node-pty's
// does not): keys typed earlier reach the local terminal while it is still cooked, before kubectl has made it raw.
// Each command's output comes before the next prompt: a person waits for the prompt too, or the next line, echoed
// early, runs after it ("# 24 80").
// After a resize, ash redraws its line: "\r/ # ESC[J".
const PROMPT = /# (\x1b\[6n|\x1b\[J)*$/;
const prompt = (term: Terminal, what: string, from = 0) => expect(term, PROMPT, `${what}: the remote prompt`, from);

// After the client: its exit code, the terminal unchanged, and cooked (echo, line editing, signals from keys).
async function endsCooked(term: Terminal, rc: number): Promise<void> {
  await expect(term, /<rc=\d+ same=\w+>[\s\S]*<end>/, 'the exit code and the terminal mode');
  term.write('\r');
  await term.exited;
  const m = /<rc=(\d+) same=(\w+)>/.exec(term.output())!;
  assert.deepEqual([Number(m[1]), m[2]], [rc, 'yes'], term.output().slice(-400));
  const flags = term.output().slice(m.index).split(/\s+/);
  for (const f of ['icanon', 'echo', 'isig', 'icrnl', 'opost']) assert.ok(flags.includes(f), `${f} is set again`);
}

// ctx.clients: the kubectls to run (default: the list above); a 'subset' client runs only `-it -- stty size`, once, and the
// warning without a terminal.
export function ttyScenarios(slug: string, ctx: { cp(): RunningCheckpoint; pod: string; kubectl(): boolean; clients?: ExecClient[] }): void {
  // A client that is not installed is left out (the per-client scenarios say so and skip).
  const all = () => (ctx.clients ?? clients(ctx.kubectl())).filter((c) => (c.argv[0] === 'kubectl' ? ctx.kubectl() : existsSync(c.argv[0]!)));
  const full = () => all().filter((c) => c.scenarios !== 'subset');
  const needPty = async (t: TestContext) => {
    const pty = await import('node-pty').catch(() => null);
    if (!pty) t.skip('node-pty is not installed: cannot give kubectl a terminal');
    return pty as Pty | null;
  };

  test('kubectl exec -it: a shell on /dev/pts/N, 42, stty size follows a resize, Ctrl-C, 1 MiB pasted whole, exit 3', async (t) => {
    const pty = await needPty(t);
    if (!pty) return;
    for (const client of full()) {
      const term = open(pty, ctx.cp(), [...client.argv, '--kubeconfig', ctx.cp().kubeconfig, 'exec', '-it', ctx.pod, '--', 'sh'], t, undefined, client.env);
      const step = async (input: string, re: RegExp, what: string, thenPrompt = true) => {
        const from = term.output().length;
        term.write(input);
        await expect(term, re, `${client.name}: ${what}`, from);
        if (thenPrompt) await prompt(term, `${client.name}: after ${what}`, from);
      };
      await prompt(term, client.name);
      await step('echo $((6*7))\r', /\r\n42\r\n/, 'arithmetic in the remote shell');
      await step('tty\r', /\r\n\/dev\/pts\/\d+\r\n/, 'the remote side is a terminal');
      await step('stty size\r', /\r\n24 80\r\n/, 'the initial size');
      term.resize(100, 30);
      // The new size travels kubectl → every hop → TIOCSWINSZ; the next stty asks after the shell has read the line.
      await waitFor(async () => {
        const from = term.output().length;
        term.write('stty size\r');
        await expect(term, /\r\n\d+ \d+\r\n/, `${client.name}: stty size`, from);
        await prompt(term, `${client.name}: after stty size`, from);
        return /\r\n30 100\r\n/.test(term.output().slice(from));
      }, { timeoutMs: 30_000, what: `${client.name}: the resize to reach the remote terminal` });
      const marker = `sleep ${randomInt(100000, 999999)}`;
      term.write(`${marker}\r`);
      await waitFor(() => withCmd(marker).length === 1, { timeoutMs: 30_000, what: `${client.name}: ${marker} to start` });
      const interrupted = term.output().length;
      term.write('\x03');
      await waitFor(() => withCmd(marker).length === 0, { timeoutMs: 30_000, what: `${client.name}: Ctrl-C to interrupt ${marker}` });
      // The shell prints its prompt again; a line typed before that is echoed first and runs after it ("# alive").
      await prompt(term, `${client.name}: after Ctrl-C`, interrupted);
      await step('echo alive\r', /\r\nalive\r\n/, 'the shell survives Ctrl-C');
      // A paste: 1 MiB of text in lines, as a terminal sends it (Enter is \r; the remote terminal makes it \n).
      const lines = randomBytes(786_432).toString('base64').match(/.{1,76}/g)!;
      const file = `paste-${randomInt(1e9)}`;
      await step(`cat > ${file}\r`, /cat > paste-\d+\r\n/, 'cat to start', false);
      term.write(`${lines.join('\r')}\r`);
      term.write('\x04');
      const want = createHash('sha256').update(`${lines.join('\n')}\n`).digest('hex');
      await step(`sha256sum ${file}; rm ${file}\r`, new RegExp(`${want}  ${file}\\r\\n`), 'the paste to arrive whole');
      term.write('exit 3\r');
      await endsCooked(term, 3);
    }
  });

  test('kubectl exec -it: Ctrl-D ends the shell (0), a killed shell is 137, a kubectl stopped by SIGTERM restores the terminal and exits 1', async (t) => {
    const pty = await needPty(t);
    if (!pty) return;
    for (const client of full()) {
      const args = [...client.argv, '--kubeconfig', ctx.cp().kubeconfig, 'exec', '-it', ctx.pod, '--', 'sh'];
      const a = open(pty, ctx.cp(), args, t, undefined, client.env);
      await prompt(a, client.name);
      a.write('echo ready\r');
      await expect(a, /\r\nready\r\n/, `${client.name}: the shell`);
      await prompt(a, client.name, a.output().lastIndexOf('ready'));
      a.write('\x04');
      await endsCooked(a, 0);

      const b = open(pty, ctx.cp(), args, t, undefined, client.env);
      await prompt(b, client.name);
      b.write('kill -9 $$\r');
      await endsCooked(b, 137);

      const c = open(pty, ctx.cp(), args, t, undefined, client.env);
      await prompt(c, client.name);
      c.write('echo ready\r');
      await expect(c, /\r\nready\r\n/, `${client.name}: the shell`);
      const kubectlPid = readdirSync(`/proc`).filter((d) => /^\d+$/.test(d)).map(Number).find((pid) => {
        try { return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(c.pid); } catch { return false; }
      });
      assert.ok(kubectlPid, 'kubectl runs under the wrapper shell');
      process.kill(kubectlPid, 'SIGTERM');
      await endsCooked(c, 1); // interrupt.Handler: restore the terminal, then exit 1
    }
  });

  // kubernetes#47990: the size goes first, and the command waits for it, so it starts at the right size.
  test('kubectl exec -it -- stty size: the command sees the local terminal\'s size from its start', async (t) => {
    const pty = await needPty(t);
    if (!pty) return;
    for (const client of all()) {
      for (let i = 0; i < (client.scenarios === 'subset' ? 1 : 3); i++) {
        const term = open(pty, ctx.cp(), [...client.argv, '--kubeconfig', ctx.cp().kubeconfig, 'exec', '-it', ctx.pod, '--', 'stty', 'size'], t, { cols: 117, rows: 33 }, client.env);
        await endsCooked(term, 0);
        assert.match(term.output(), /^33 117\r\n<rc=0 same=yes>/, `${client.name}, run ${i + 1}`);
      }
    }
  });

  // The full-screen program: busybox vi draws its status line on the terminal's last row. Had the first size
  // come late, its first screen would end on row 24 (the default) and be redrawn after a SIGWINCH.
  test('kubectl exec -it -- busybox vi: a full-screen program draws at the right size the first time', async (t) => {
    const pty = await needPty(t);
    if (!pty) return;
    for (const client of full()) {
      const term = open(pty, ctx.cp(), [...client.argv, '--kubeconfig', ctx.cp().kubeconfig, 'exec', '-it', ctx.pod, '--', 'busybox', 'vi'], t, { cols: 117, rows: 33 }, client.env);
      await expect(term, /\x1b\[K- No file/, `${client.name}: vi's first screen`);
      const first = /\x1b\[(\d+);1H\x1b\[K- No file/.exec(term.output());
      assert.equal(first?.[1], '33', `${client.name}: vi's status line on the last of 33 rows, the first time`);
      term.write(':q!\r');
      await endsCooked(term, 0);
    }
  });

  test('kubectl exec -it with stdin not a terminal: the real warning, and the command runs without a TTY', async (t) => {
    const { spawnSync } = await import('node:child_process');
    // Not kubectl 1.30: its client-go drops output that comes before its streams are registered ("Unknown stream
    // id 1, discarding message"), which a command that answers at once on a closed stdin does.
    for (const client of all().filter((c) => !/^kubectl 1\.30\b/.test(c.name))) {
      const [file, ...pre] = client.argv;
      const r = spawnSync(file!, [...pre, '--kubeconfig', ctx.cp().kubeconfig, 'exec', '-it', ctx.pod, '--', 'sh', '-c', 'test -t 0 && echo tty || echo no-tty'], { env: { ...ctx.cp().env, ...client.env }, input: '', encoding: 'utf8' });
      assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'no-tty\n', 'Unable to use a TTY - input is not a terminal or the right kind of file\n'], client.name);
    }
    void t;
  });

  // The kubelet (NewOptions) drops stderr when tty is asked for ("bypassing stderr"): one merged stream on channel 1.
  test('a raw client asking for tty and stderr: the kubelet drops stderr, the terminal merges it into stdout', async () => {
    const api = ctx.cp().announcements.apiserver!.url!.replace(/^http/, 'ws');
    const q = ['sh', '-c', 'echo out; echo err >&2; exit 4'].map((c) => `command=${encodeURIComponent(c)}`).join('&');
    const ws = new WebSocket(`${api}/api/v1/namespaces/default/pods/${ctx.pod}/exec?${q}&stdout=true&stderr=true&tty=true`, ['v5.channel.k8s.io'], clientTLS(ctx.cp()));
    const channels = new Map<number, string>();
    ws.on('message', (d: Buffer) => channels.set(d[0]!, (channels.get(d[0]!) ?? '') + d.subarray(1).toString()));
    const code = await new Promise<number>((resolve, reject) => { ws.on('close', resolve); ws.on('error', reject); });
    assert.equal(code, 1000);
    assert.equal(channels.get(1), 'out\r\nerr\r\n');
    assert.equal(channels.has(2), false);
    assert.match(channels.get(3) ?? '', /"reason":"NonZeroExitCode".*"message":"4"/);
  });

  if (slug === 'streaming') {
    // The streaming server's own check (GetExec), reached only by a CRI client that asks for both.
    test('CRI Exec with tty and stderr: InvalidArgument "tty and stderr cannot both be true", as the kubelet library', async () => {
      const { RemoteRuntimeService } = await import('../../src/cri/remote-runtime.ts');
      const pod = await (await apiFetch(ctx.cp(), `${ctx.cp().announcements.apiserver!.url}/api/v1/namespaces/default/pods/${ctx.pod}`)).json() as Pod;
      const shim = ctx.cp().announcements[`shim-${pod.spec.nodeName}`]!;
      const id = pod.status!.containerStatuses![0]!.containerID!.replace(/^[^:]+:\/\//, '');
      const rt = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'test' });
      try {
        const err = await rt.exec({ container_id: id, cmd: ['sh'], tty: true, stdin: true, stdout: true, stderr: true }).catch((e) => e);
        assert.match(String(err?.message), /code = InvalidArgument desc = tty and stderr cannot both be true$/);
      } finally { rt.close(); }
    });
  }
}
