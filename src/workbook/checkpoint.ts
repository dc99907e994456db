// Runs a chapter's checkpoint: its components (each once those it names have started), kept running (restarts) and controllable (a control socket),
// a state folder with a lock that a new start clears of its predecessor's leftovers, a generated kubeconfig.
import { mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import chapters, { plannedChapters } from '../../book.config.ts';
import type { Announcement } from '../util/announce.ts';
import { ContainerSessions, killRecordedSessions } from '../exec/process-groups.ts';
import { startComponent } from './supervisor.ts';
import { ComponentKeeper, type Launch } from './restarts.ts';
import { controlSocketPath, serveControl } from './control.ts';
import type { Chapter, Checkpoint, ComponentSpec } from './types.ts';
import { kubeconfigCredentials, writeKubeconfig } from './kubeconfig.ts';
import { startGraph, startInOrder } from './start-order.ts';
import { prebuild } from './prebuild.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Where `npm run chapter` keeps each checkpoint's state folder (.run/<slug>/); tests point it elsewhere.
export function runRoot(): string {
  return process.env.WORKBOOK_RUN_DIR ? resolve(process.env.WORKBOOK_RUN_DIR) : join(repoRoot, '.run');
}

export function findChapter(ref: string | number): Chapter {
  const key = String(ref).trim();
  const found = chapters.find((c) => c.slug === key || (/^\d+$/.test(key) && c.number === Number(key)));
  if (found) return found;
  const written = chapters.map((c) => `  ${c.number}  ${c.slug}`).join('\n');
  const coming = `planned, not written yet: ${plannedChapters.map((c) => `${c.number} ${c.slug}`).join(', ')}`;
  const planned = plannedChapters.find((c) => c.slug === key || (/^\d+$/.test(key) && c.number === Number(key)));
  if (planned) throw new Error(`chapter ${planned.number} (${planned.slug}) is planned, not written yet; the chapters written so far are:\n${written}`);
  throw new Error(`no chapter "${key}"; the chapters are:\n${written}\n${coming}`);
}

export function checkpointOf(chapter: Chapter): Checkpoint {
  const cp = chapter.checkpoint;
  return 'same' in cp ? checkpointOf(findChapter(cp.same)) : cp;
}

export interface StartOptions {
  stateDir?: string;                 // default: a fresh temp folder, removed on stop; a start clears what a previous run left
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
  // Stopped on purpose: not restarted until startComponent (a component that exits by itself is restarted).
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
    if (value === undefined) throw new Error(`\${${ref}} is not known yet: start the component it names first`);
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

// Where the components of a run recorded the sessions of processes they started: the supervisor its components
// (sessions/), a shim each container's (<shim>/containers/<id>/sessions), a chapter-3 kubelet its execs
// (<node>/exec-sessions/<pod uid>). Containers' own folders (rootfs) are never read: a command could write there.
function sessionFolders(dir: string, depth = 0, found: string[] = []): string[] {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return found; }
  for (const e of entries) {
    if (!e.isDirectory() || e.name === 'rootfs' || e.name === 'pods') continue;
    const path = join(dir, e.name);
    if (e.name === 'sessions' || e.name === 'sessions.ending' || basename(dir) === 'exec-sessions') found.push(path);
    else if (depth < 4) sessionFolders(path, depth + 1, found);
  }
  return found;
}

// A new start is a new cluster (the API server keeps its objects in memory), so whatever a predecessor left is stale:
// its processes still running (a hard kill the lifeline could not cover), then its files (announcements, sockets,
// a shim's container records that `crictl ps -a` would list). Only the lock we hold stays.
function clearPredecessor(stateDir: string): void {
  for (const folder of sessionFolders(stateDir)) killRecordedSessions(folder);
  for (const f of readdirSync(stateDir)) if (f !== 'lock') rmSync(join(stateDir, f), { recursive: true, force: true });
}

export async function startCheckpoint(ref: string | number, opts: StartOptions = {}): Promise<RunningCheckpoint> {
  const chapter = findChapter(ref);
  const checkpoint = checkpointOf(chapter);
  const graph = startGraph(checkpoint.components); // before anything: a mistake in the config leaves nothing behind
  const temporary = !opts.stateDir;
  const stateDir = resolve(opts.stateDir ?? mkdtempSync(join(tmpdir(), `ike-${chapter.slug}-`)));
  mkdirSync(stateDir, { recursive: true });
  const lock = takeLock(stateDir, chapter.slug);
  clearPredecessor(stateDir);
  const components = new ContainerSessions(join(stateDir, 'sessions'));
  components.open();

  const lines: string[] = [];
  const log = opts.log ?? ((line: string) => { lines.push(line); if (lines.length > 5000) lines.shift(); });
  const announcements: Record<string, Announcement> = {};
  const kubeconfig = join(stateDir, 'kubeconfig');
  const cacheDir = join(stateDir, 'kube-cache');

  // Transpiled once for all its components (and reused while the sources are unchanged); tsx if that fails.
  let built: Map<string, string> | undefined;
  if (process.env.WORKBOOK_PREBUILD !== '0') {
    try { built = await prebuild(repoRoot, [...new Set(checkpoint.components.map((c) => c.entry))]); } catch (err) {
      log(`[supervisor] could not transpile the components ahead (${(err as Error).message.split('\n')[0]}): tsx runs them`);
    }
  }

  const launch: Launch = async (spec, previous) => {
    let args = (spec.args ?? []).map((a) => substitute(a, stateDir, announcements));
    // A restarted component keeps its address: others were given it (a kubelet's --apiserver, a Node's kubelet port).
    const port = previous?.url ? new URL(previous.url).port : '';
    if (port) args = args.map((a) => (a === '--port=0' ? `--port=${port}` : a));
    const proc = await startComponent(spec, { repoRoot, stateDir, args, log, env: opts.env, script: built?.get(spec.entry), onSpawn: (pid) => components.add(pid) });
    announcements[spec.name] = proc.announcement;
    if (spec.name === 'apiserver' && proc.announcement.url) writeKubeconfig(kubeconfig, proc.announcement.url, kubeconfigCredentials(proc.announcement));
    return proc;
  };
  const keepers = new Map(checkpoint.components.map((spec) => [spec.name, new ComponentKeeper(spec, launch, log)]));
  const keeper = (name: string): ComponentKeeper => {
    const k = keepers.get(name);
    if (!k) throw new Error(`checkpoint ${chapter.slug} has no component "${name}"; it has: ${[...keepers.keys()].join(', ')}`);
    return k;
  };

  const stopOne = async (name: string, signal?: NodeJS.Signals) => {
    await keeper(name).stop(signal);
    rmSync(join(stateDir, `${name}.ready.json`), { force: true });
  };

  let control: { close(): Promise<void> } | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= (async () => {
    await control?.close();
    for (const k of keepers.values()) k.release();
    for (const name of [...keepers.keys()].reverse()) await stopOne(name);
    rmSync(lock, { force: true });
    if (temporary) rmSync(stateDir, { recursive: true, force: true });
  })();

  try {
    // Independent components start together; each waits only for those its args name (start-order.ts).
    await startInOrder(graph, (name) => keeper(name).start());
    // `npm run component -- stop|start <name>` talks to this.
    control = await serveControl(controlSocketPath(stateDir), {
      list: () => [...keepers.values()].map((k) => k.describe()),
      stop: async (name, signal) => {
        await stopOne(name, signal);
        return `${name} stopped${signal ? ` (${signal})` : ''}; it stays stopped until: npm run component -- start ${name}`;
      },
      start: async (name) => { await keeper(name).start(); return `${name} started`; },
    });
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
      const p = keeper(name).proc?.child.pid;
      if (p === undefined) throw new Error(`component ${name} is not running`);
      return p;
    },
    logs: () => [...lines],
    stopComponent: stopOne,
    startComponent: (name) => keeper(name).start(),
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
