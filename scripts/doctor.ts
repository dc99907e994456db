// npm run doctor: is this machine ready for the workbook? A checklist with a fix for each missing thing; exits 1
// only when something the written chapters need is missing (what a written chapter can do without, and what the
// planned chapters will need, is reported, not required).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chapters, { plannedChapters } from '../book.config.ts';
import { namespaceSupport } from '../src/engine/linux/support.ts';
import { checkpointOf, findChapter, findRunningCheckpoints } from '../src/workbook/checkpoint.ts';
import { openDoors } from '../src/workbook/open-doors.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface CheckResult { ok: boolean; detail: string; fix?: string }
export interface Check {
  name: string;
  neededBy: string;      // REQUIRED ("chapters 1-N", the written ones) marks a requirement; anything else is reported only
  run: () => Promise<CheckResult>;
}
export interface Report { name: string; neededBy: string; required: boolean; result: CheckResult }

const lastWritten = Math.max(...chapters.map((c) => c.number));
export const REQUIRED = `chapters 1-${lastWritten}`;
const plannedRange = `${Math.min(...plannedChapters.map((c) => c.number))}-${Math.max(...plannedChapters.map((c) => c.number))}`;

// "chapter 6 (engine, optional: real containers…)": what a written chapter uses when it can, and does without.
function optional(n: number, what: string): string {
  const c = chapters.find((x) => x.number === n);
  if (!c) throw new Error(`doctor: chapter ${n} is not written in book.config.ts`);
  return `chapter ${n} (${c.slug}, optional: ${what})`;
}

// "chapter 6 (engine, planned)": a planned chapter by number, never worded as if it were written.
function planned(n: number, what?: string): string {
  const c = plannedChapters.find((p) => p.number === n);
  if (!c) throw new Error(`doctor: chapter ${n} is not among the planned chapters in book.config.ts`);
  return `chapter ${n} (${c.slug}, planned${what ? `: ${what}` : ''})`;
}

function exec(file: string, args: string[], timeoutMs = 15_000): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : 127) : 0;
      res({ code, out: `${stdout}${stderr}`.trim() });
    });
  });
}

async function which(cmd: string): Promise<string | undefined> {
  const r = await exec('which', [cmd]);
  return r.code === 0 ? r.out.split('\n')[0] : undefined;
}

const isRoot = () => process.getuid?.() === 0;

export const checks: Check[] = [
  {
    name: 'Node.js >= 20', neededBy: REQUIRED,
    run: async () => {
      const major = Number(process.versions.node.split('.')[0]);
      return { ok: major >= 20, detail: `v${process.versions.node}`, fix: 'install Node.js 20 or later (https://nodejs.org, or your package manager)' };
    },
  },
  {
    name: 'npm dependencies installed', neededBy: REQUIRED,
    run: async () => {
      const missing = ['tsx', 'ws', 'zx', '@grpc/grpc-js', 'markdown-it'].filter((p) => !existsSync(join(repoRoot, 'node_modules', p, 'package.json')));
      return { ok: missing.length === 0, detail: missing.length ? `missing: ${missing.join(', ')}` : 'node_modules complete', fix: 'npm ci' };
    },
  },
  {
    name: 'loopback networking', neededBy: REQUIRED,
    run: () => new Promise((res) => {
      const s = createServer();
      s.once('error', (err) => res({ ok: false, detail: err.message, fix: 'the checkpoints listen on 127.0.0.1: enable the loopback interface' }));
      s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => res({ ok: true, detail: `listened on 127.0.0.1:${port}` })); });
    }),
  },
  {
    name: 'the real kubectl', neededBy: REQUIRED,
    run: async () => {
      const path = await which('kubectl');
      const fix = 'install kubectl 1.30 or later (the Google Cloud SDK\'s kubectl dispatcher, or https://kubernetes.io/docs/tasks/tools/); chapters check their work with it';
      if (!path) return { ok: false, detail: 'not on PATH', fix };
      const v = await exec(path, ['version', '--client']);
      const client = /Client Version:\s*(\S+)/.exec(v.out)?.[1] ?? 'unknown version';
      // The gcloud dispatcher runs kubectl.1.NN next to it, picked by the server's reported minor (ours: 32).
      let bundled = '';
      try {
        const minors = readdirSync(dirname(realpathSync(path))).map((f) => /^kubectl\.1\.(\d+)$/.exec(f)?.[1]).filter(Boolean).map(Number).sort((a, b) => a - b);
        if (minors.length) bundled = `; dispatcher with kubectl 1.${minors[0]}–1.${minors[minors.length - 1]}, our server reports minor 32 → ${minors.includes(32) ? 'kubectl 1.32' : 'its built-in kubectl'}`;
      } catch { /* not a dispatcher */ }
      return { ok: v.code === 0, detail: `${path}: ${client}${bundled}`, fix };
    },
  },
  {
    // 1.27-1.29 speak only SPDY: chapter 8's walk and tests use them; 1.30+ on SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) covers the rest.
    name: 'kubectl 1.27-1.29 beside the dispatcher', neededBy: optional(8, 'the kubectls that speak only SPDY, run by the walk and the tests'),
    run: async () => {
      const path = await which('kubectl');
      const fix = 'the Google Cloud SDK\'s kubectl component bundles kubectl.1.27 … kubectl.1.33 beside its dispatcher (gcloud components install kubectl)';
      if (!path) return { ok: false, detail: 'no kubectl on PATH', fix };
      const dir = dirname(realpathSync(path));
      const missing = ['1.27', '1.28', '1.29'].filter((v) => !existsSync(join(dir, `kubectl.${v}`)));
      return missing.length === 0 ? { ok: true, detail: `${dir}/kubectl.1.27 … kubectl.1.29` } : { ok: false, detail: `no ${missing.map((v) => `kubectl.${v}`).join(', ')} in ${dir}`, fix };
    },
  },
  {
    name: 'bash', neededBy: REQUIRED,
    run: async () => {
      const p = await which('bash');
      return { ok: !!p, detail: p ?? 'not on PATH', fix: 'install bash (chapter commands and tests run in it)' };
    },
  },
  {
    name: 'curl and jq', neededBy: REQUIRED,
    run: async () => {
      const [curl, jq] = [await which('curl'), await which('jq')];
      return { ok: !!(curl && jq), detail: [curl ?? 'curl missing', jq ?? 'jq missing'].join(', '), fix: 'apt-get install curl jq (the chapters use them to look at kubelets and announcements)' };
    },
  },
  {
    name: 'free disk space', neededBy: REQUIRED,
    run: async () => {
      const s = statfsSync(repoRoot);
      const free = s.bavail * s.bsize;
      const gib = (free / 2 ** 30).toFixed(1);
      return { ok: free > 500 * 2 ** 20, detail: `${gib} GiB free on the repository's filesystem`, fix: 'free at least 500 MiB (node_modules, .run/ state, the built site)' };
    },
  },
  {
    name: 'docker CLI', neededBy: REQUIRED, // chapter 6: the real client its engine is judged by
    run: async () => {
      const p = await which('docker');
      if (!p) return { ok: false, detail: 'not on PATH', fix: 'apt-get install docker-ce-cli (or docker.io); only the CLI is needed: the workbook brings its own engine' };
      const v = await exec(p, ['--version']);
      return { ok: v.code === 0, detail: v.out.split('\n')[0] ?? p };
    },
  },
  {
    name: 'running as root', neededBy: optional(6, 'real containers; without root its engine runs host processes, and says so'),
    run: async () => ({ ok: isRoot(), detail: isRoot() ? 'uid 0' : `uid ${process.getuid?.() ?? '?'}`, fix: 'run npm run chapter 6 as root (sudo), or in a VM or container where you are root' }),
  },
  {
    name: 'unshare and nsenter', neededBy: REQUIRED, // util-linux: exec sessions (setpriv), chapter 6's containers
    run: async () => {
      const [u, n] = [await which('unshare'), await which('nsenter')];
      return { ok: !!(u && n), detail: [u ?? 'unshare missing', n ?? 'nsenter missing'].join(', '), fix: 'apt-get install util-linux' };
    },
  },
  {
    name: 'Linux namespaces, overlay, pivot_root', neededBy: optional(6, 'real containers; without them its engine runs host processes, and says so'),
    run: async () => {
      // The engine's own probe: a new pid, mount, uts, ipc and net namespace with an overlay root, gone when it exits.
      const s = namespaceSupport();
      return s.ok ? { ok: true, detail: 'the engine can make containers here' } : { ok: false, detail: s.reason, fix: 'root on Linux with CAP_SYS_ADMIN (not an unprivileged container), util-linux and busybox-static' };
    },
  },
  {
    name: 'busybox (static)', neededBy: REQUIRED, // chapter 6: its images are busybox's applets
    run: async () => {
      const p = ['/bin/busybox', '/usr/bin/busybox'].find((f) => existsSync(f));
      if (!p) return { ok: false, detail: 'not installed', fix: 'apt-get install busybox-static' };
      const ldd = await exec('ldd', [p]);
      const isStatic = /not a dynamic executable|statically linked/.test(ldd.out);
      return { ok: isStatic, detail: `${p}${isStatic ? ' (static)' : ' (dynamically linked: will not run inside a bare rootfs)'}`, fix: 'apt-get install busybox-static' };
    },
  },
  {
    name: 'tmux', neededBy: REQUIRED, // chapter 7's walk types into a real terminal, which tmux plays
    run: async () => {
      const p = await which('tmux');
      return p ? { ok: true, detail: (await exec(p, ['-V'])).out || p } : { ok: false, detail: 'not on PATH', fix: 'apt-get install tmux' };
    },
  },
  {
    name: 'node-pty built', neededBy: REQUIRED, // kubectl exec -t, from chapter 2 on
    run: async () => {
      const r = await exec(process.execPath, ['-e', "require('node-pty')"], 10_000);
      return { ok: r.code === 0, detail: r.code === 0 ? 'loads' : r.out.split('\n').find((l) => /Error/.test(l)) ?? 'does not load', fix: 'npm rebuild node-pty (needs a C++ toolchain and Node headers; set nodedir=/usr in .npmrc when offline)' };
    },
  },
  {
    name: 'Chromium', neededBy: `${planned(11)}, optional`,
    run: async () => {
      const p = (await which('chromium')) ?? (await which('chromium-browser')) ?? (await which('google-chrome'));
      return { ok: !!p, detail: p ?? 'not found', fix: 'apt-get install chromium' };
    },
  },
];

export async function runChecks(list = checks): Promise<Report[]> {
  const out: Report[] = [];
  for (const c of list) {
    let result: CheckResult;
    try { result = await c.run(); } catch (err) { result = { ok: false, detail: `check failed: ${(err as Error).message}` }; }
    out.push({ name: c.name, neededBy: c.neededBy, required: c.neededBy === REQUIRED, result });
  }
  return out;
}

export function formatReport(reports: Report[]): { text: string; exitCode: number } {
  const lines = reports.map((r) => {
    const mark = r.result.ok ? '✓' : r.required ? '✗' : '!';
    const head = `${mark} ${r.name}: ${r.result.detail}`;
    if (r.result.ok) return head;
    return `${head}\n    needed by ${r.neededBy}${r.result.fix ? `\n    fix: ${r.result.fix}` : ''}`;
  });
  const missing = reports.filter((r) => r.required && !r.result.ok);
  const later = reports.filter((r) => !r.required && !r.result.ok);
  lines.push('');
  lines.push(missing.length
    ? `Not ready: ${missing.length} requirement(s) of ${REQUIRED} missing (✗ above).`
    : `Ready for ${REQUIRED}, the chapters written so far.${later.length ? ` ${later.length} optional thing(s) missing (! above): what a written chapter does without, or what the planned chapters (${plannedRange}) will need.` : ` What they use when they can, and what the planned chapters (${plannedRange}) will need, is here too.`}`);
  return { text: lines.join('\n'), exitCode: missing.length ? 1 : 0 };
}

// The checkpoints that are open to every local user, and which of them run now (issue 14): not a requirement,
// a fact a reader on a shared machine must know before starting one.
export function openDoorsReport(running = findRunningCheckpoints()): string {
  const open = chapters.filter((c) => c.number >= 1 && openDoors(checkpointOf(c), c).length).map((c) => c.number);
  if (!open.length) return '';
  const contiguous = open.every((n, i) => i === 0 || n === open[i - 1]! + 1);
  const which = contiguous && open.length > 1 ? `${open[0]}-${open.at(-1)}` : open.join(', ');
  const lines = [`Open doors: the checkpoints of chapters ${which} have no authentication and no TLS (chapter 9 closes them);`
    + ' while one runs, any local user can use its API server and kubelets, and exec through them.'];
  for (const r of running) {
    let owner = findChapter(r.slug);
    while ('same' in owner.checkpoint) owner = findChapter(owner.checkpoint.same);
    const doors = openDoors(checkpointOf(owner), owner);
    if (doors.length) lines.push(`! running now: checkpoint ${owner.number} (${owner.slug}), pid ${r.pid}:${doors.map((d) => `\n    - ${d}`).join('')}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { text, exitCode } = formatReport(await runChecks());
  console.log(text);
  const doors = openDoorsReport();
  if (doors) console.log(`\n${doors}`);
  process.exitCode = exitCode;
}
