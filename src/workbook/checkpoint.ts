// Runs a chapter's checkpoint: its components in order, a state folder with a lock, a generated kubeconfig.
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import chapters from '../../book.config.ts';
import type { Announcement } from '../util/announce.ts';
import { startComponent, stopProcessTree, type ComponentProcess } from './supervisor.ts';
import type { Chapter, Checkpoint, ComponentSpec } from './types.ts';
import { writeKubeconfig } from './kubeconfig.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Where `npm run chapter` keeps each checkpoint's state folder (.run/<slug>/); tests point it elsewhere.
export function runRoot(): string {
  return process.env.WORKBOOK_RUN_DIR ? resolve(process.env.WORKBOOK_RUN_DIR) : join(repoRoot, '.run');
}

export function findChapter(ref: string | number): Chapter {
  const key = String(ref).trim();
  const found = chapters.find((c) => c.slug === key || (/^\d+$/.test(key) && c.number === Number(key)));
  if (!found) {
    const list = chapters.map((c) => `  ${c.number}  ${c.slug}`).join('\n');
    throw new Error(`no chapter "${key}"; the chapters are:\n${list}`);
  }
  return found;
}

export function checkpointOf(chapter: Chapter): Checkpoint {
  const cp = chapter.checkpoint;
  return 'same' in cp ? checkpointOf(findChapter(cp.same)) : cp;
}

export interface StartOptions {
  stateDir?: string;                 // default: a fresh temp folder, removed on stop
  log?: (line: string) => void;      // default: kept in memory (see logs())
  env?: NodeJS.ProcessEnv;           // extra environment for every component
}

export interface RunningCheckpoint {
  chapter: Chapter;
  stateDir: string;
  kubeconfig: string;
  announcements: Record<string, Announcement>;
  env: NodeJS.ProcessEnv;            // for commands run against it: KUBECONFIG and a fresh KUBECACHEDIR
  pid(name: string): number;
  logs(): string[];
  stopComponent(name: string, signal?: NodeJS.Signals): Promise<void>;
  startComponent(name: string): Promise<Announcement>;
  stop(): Promise<void>;
}

// ${state} and ${component.field} in a component's args, from announcements of components started before it.
export function substitute(arg: string, stateDir: string, announcements: Record<string, Announcement>): string {
  return arg.replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
    if (ref === 'state') return stateDir;
    const dot = ref.lastIndexOf('.');
    const value = dot > 0 ? announcements[ref.slice(0, dot)]?.[ref.slice(dot + 1)] : undefined;
    if (value === undefined) throw new Error(`\${${ref}} is not known yet: list the component it names earlier`);
    return String(value);
  });
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

// One checkpoint per state folder: a second start is refused while the first one's process lives.
function takeLock(stateDir: string, slug: string): string {
  const file = join(stateDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, JSON.stringify({ pid: process.pid, slug }));
      closeSync(fd);
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try { holder = JSON.parse(readFileSync(file, 'utf8')).pid; } catch { /* half-written or empty: stale */ }
      if (holder && isAlive(holder)) {
        throw new Error(`checkpoint "${slug}" is already running in ${stateDir} (pid ${holder}); stop it with Ctrl-C in its terminal, or: kill ${holder}`);
      }
      rmSync(file, { force: true }); // stale: its owner died without cleaning up
    }
  }
  throw new Error(`could not lock ${file}`);
}

// Leftovers of a crashed run: announcements and sockets that would otherwise look alive.
function clearStale(stateDir: string): void {
  for (const f of readdirSync(stateDir)) {
    if (f.endsWith('.ready.json') || f.endsWith('.sock') || f.endsWith('.tmp')) rmSync(join(stateDir, f), { force: true });
  }
}

export async function startCheckpoint(ref: string | number, opts: StartOptions = {}): Promise<RunningCheckpoint> {
  const chapter = findChapter(ref);
  const checkpoint = checkpointOf(chapter);
  const temporary = !opts.stateDir;
  const stateDir = resolve(opts.stateDir ?? mkdtempSync(join(tmpdir(), `ike-${chapter.slug}-`)));
  mkdirSync(stateDir, { recursive: true });
  const lock = takeLock(stateDir, chapter.slug);
  clearStale(stateDir);

  const lines: string[] = [];
  const log = opts.log ?? ((line: string) => { lines.push(line); if (lines.length > 5000) lines.shift(); });
  const running = new Map<string, ComponentProcess>();
  const announcements: Record<string, Announcement> = {};
  const kubeconfig = join(stateDir, 'kubeconfig');
  const cacheDir = join(stateDir, 'kube-cache');

  const start = async (spec: ComponentSpec): Promise<Announcement> => {
    const args = (spec.args ?? []).map((a) => substitute(a, stateDir, announcements));
    const proc = await startComponent(spec, { repoRoot, stateDir, args, log, env: opts.env });
    running.set(spec.name, proc);
    announcements[spec.name] = proc.announcement;
    if (spec.name === 'apiserver' && proc.announcement.url) writeKubeconfig(kubeconfig, proc.announcement.url);
    return proc.announcement;
  };

  const stopOne = async (name: string, signal?: NodeJS.Signals) => {
    const proc = running.get(name);
    if (!proc) return;
    running.delete(name);
    if (signal) {
      try { process.kill(proc.child.pid!, signal); } catch { /* gone */ }
      await proc.exited;
    } else {
      await stopProcessTree(proc.child, proc.exited);
    }
    rmSync(join(stateDir, `${name}.ready.json`), { force: true });
  };

  const stop = async () => {
    for (const name of [...running.keys()].reverse()) await stopOne(name);
    rmSync(lock, { force: true });
    if (temporary) rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    for (const spec of checkpoint.components) await start(spec);
  } catch (err) {
    await stop();
    if (!opts.log && lines.length) (err as Error).message += `\n--- component logs ---\n${lines.join('\n')}`;
    throw err;
  }

  return {
    chapter,
    stateDir,
    kubeconfig,
    announcements,
    env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir },
    pid: (name) => {
      const p = running.get(name)?.child.pid;
      if (p === undefined) throw new Error(`component ${name} is not running`);
      return p;
    },
    logs: () => [...lines],
    stopComponent: stopOne,
    startComponent: async (name) => {
      const spec = checkpoint.components.find((c) => c.name === name);
      if (!spec) throw new Error(`checkpoint ${chapter.slug} has no component ${name}`);
      if (running.has(name)) throw new Error(`${name} is already running`);
      return start(spec);
    },
    stop,
  };
}

export interface RunningInfo { slug: string; stateDir: string; kubeconfig: string; pid: number; since: number }

// Checkpoints started with `npm run chapter` that are still alive, newest first (for `npm run kubectl` and steps).
export function findRunningCheckpoints(root = runRoot()): RunningInfo[] {
  let slugs: string[];
  try { slugs = readdirSync(root); } catch { return []; }
  const found: RunningInfo[] = [];
  for (const slug of slugs) {
    const stateDir = join(root, slug);
    try {
      const lockFile = join(stateDir, 'lock');
      const { pid } = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number };
      if (pid && isAlive(pid)) found.push({ slug, stateDir, kubeconfig: join(stateDir, 'kubeconfig'), pid, since: statSync(lockFile).mtimeMs });
    } catch { /* no lock, or a stale one */ }
  }
  return found.sort((a, b) => b.since - a.since);
}
