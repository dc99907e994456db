// Starts, watches and stops one component process of a checkpoint: its own process group, a lifeline pipe, prefixed
// logs, readiness by its announcement (seen as it is written) plus a probe, and a stop that leaves no descendant behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { announcePath, type Announcement } from '../util/announce.ts';
import { LIFELINE_ENV } from '../util/lifecycle.ts';
import { waitFor } from '../util/wait.ts';
import { awaitAnnouncement } from './announcements.ts';
import type { ComponentSpec } from './types.ts';

export interface ComponentProcess {
  spec: ComponentSpec;
  child: ChildProcess;
  announcement: Announcement;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  repoRoot: string;
  stateDir: string;
  args: string[];           // already substituted
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  onSpawn?: (pid: number) => void;   // told the new process's pid (it leads its own session)
  script?: string;          // the entry already transpiled (prebuild.ts); without it, tsx runs the .ts entry
}

// V8's heap sized for a process that relays streams. A component's heap is 10-12 MiB (gRPC, protobuf), and the
// old-generation limit V8 sets after a collection left ~16 MiB of room, no more than the young generation: V8 then
// starts marking again as soon as it may, and a shim relaying 1 GiB of output ran ~100 full collections (a quarter
// of its time) where one does. Buffers in flight are what reach the old generation: a hop held back by the next one
// keeps its chunks past two scavenges. So: a floor of 32 MiB under the old-generation limit, and semi-spaces of at
// most 4 MiB (1,000 sessions at once grew them to 16 MiB each, which cost ~20 KiB per session of memory and brought
// the marking back: stdout after 1,000 sessions 0.70-0.78 of the raw chain, 0.88-0.91 with the cap).
// Measured on chapter 5's stdout, fresh: 0.65 -> 0.95.
// And no incremental marking: after 1,000 sessions at once (the heap grown to ~70 MiB, then collected), a process
// streaming through a WebSocket fell into a loop: marking started again right after each mark-compact, buffers
// allocated while marking is on outlive the scavenges that would have freed them, and that external memory starts
// the next marking: a mark-compact every ~45 ms (20-24 per 512 MiB of stdin instead of 1-2), the shim's CPU per
// 512 MiB of stdin 0.7 -> 2.2 s. Marking at once, in the pause, on heaps of 8-70 MiB: ch5 after 1,000 sessions,
// stdin 0.43 -> 0.80 of the raw chain, stdout 0.73 -> 1.25 (per process: shim 2.0 -> 1.0 s, kubelet 1.0 -> 0.5 s).
const COMPONENT_NODE_ARGS = ['--initial-old-space-size=32', '--max-semi-space-size=4', '--no-incremental-marking'];

export async function startComponent(spec: ComponentSpec, opts: SpawnOptions): Promise<ComponentProcess> {
  // A predecessor killed before it could withdraw left its announcement: this one must write its own.
  rmSync(announcePath(opts.stateDir, spec.name), { force: true });
  const program = opts.script ? ['--enable-source-maps', opts.script] : ['--import', 'tsx', spec.entry];
  // WORKBOOK_NODE_ARGS: extra node flags for every component (NODE_OPTIONS refuses some, e.g. --cpu-prof for a profile).
  const nodeArgs = [...COMPONENT_NODE_ARGS, ...(process.env.WORKBOOK_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const argv = [...nodeArgs, ...program, `--name=${spec.name}`, `--state-dir=${opts.stateDir}`, ...opts.args];
  const child = spawn(process.execPath, argv, {
    cwd: opts.repoRoot,
    env: { ...process.env, ...opts.env, ...spec.env, [LIFELINE_ENV]: '3' },
    // fd 3 is the lifeline: we never write to it, and its EOF tells the component we are gone (util/lifecycle.ts).
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    detached: true, // its own process group, so a stop can signal the whole group
  });
  child.stdio[3]?.on('error', () => {});
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const tail: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      opts.log(`[${spec.name}] ${line}`);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => {
    opts.log(`[${spec.name}] exited (${signal ?? `code ${code}`})`);
    resolve(code);
  }));
  // Exiting before readiness aborts the wait at once (waitFor retries on errors; an abort ends it).
  const died = new AbortController();
  void exited.then(() => died.abort(new Error(`${spec.name} exited before it was ready:\n  ${tail.join('\n  ')}`)));

  try {
    const file = announcePath(opts.stateDir, spec.name);
    const announcement = await awaitAnnouncement(file,
      { timeoutMs: opts.readyTimeoutMs ?? 30_000, what: `${spec.name} to announce itself`, signal: died.signal });
    if (announcement.pid !== child.pid) throw new Error(`${file} was written by pid ${announcement.pid}, not ${child.pid}`);
    await waitFor(() => probe(spec, announcement),
      { timeoutMs: opts.readyTimeoutMs ?? 30_000, what: `${spec.name} to answer its ${spec.probe} probe`, signal: died.signal });
    return { spec, child, announcement, exited };
  } catch (err) {
    await stopProcessTree(child, exited);
    throw err;
  }
}

function probe(spec: ComponentSpec, a: Announcement): Promise<boolean> {
  if (spec.probe === 'none') return Promise.resolve(true);
  if (spec.probe === 'socket') {
    if (!a.socket) throw new Error(`${spec.name} announced no socket`);
    return new Promise((resolve) => {
      const s = connect(a.socket!, () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
  }
  if (!a.url) throw new Error(`${spec.name} announced no url`);
  // Chapter 9: a kubelet's secure port wants credentials, so it announces its plain healthz port as well; an
  // https API server is probed with the CA it announced (anonymous may read /healthz, as upstream).
  const target = new URL('/healthz', typeof a.healthzURL === 'string' ? a.healthzURL : a.url);
  const secure = target.protocol === 'https:';
  const ca = secure && typeof a.caFile === 'string' ? readFileSync(a.caFile) : undefined;
  return new Promise((resolve) => {
    const req = (secure ? httpsRequest : request)(target, { timeout: 2000, ...(secure ? { ca } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

// All descendants of pid, found through /proc (children reparent to init once their parent dies,
// so they are collected before anything is signalled).
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch { /* the process ended while we looked */ }
  }
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length) {
    const p = frontier.pop()!;
    for (const [child, parent] of parentOf) if (parent === p) { found.push(child); frontier.push(child); }
  }
  return found;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

// SIGTERM the component's group and let it stop what it owns; after the grace period, SIGKILL the group
// and every descendant it left (exec'd commands live in process groups of their own).
export async function stopProcessTree(child: ChildProcess, exited: Promise<unknown>, graceMs = 5000): Promise<void> {
  if (child.pid === undefined) return;
  const pid = child.pid;
  const before = descendants(pid);
  if (child.exitCode === null && child.signalCode === null) {
    kill(-pid, 'SIGTERM');
    const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([exited, timer]);
    if (child.exitCode === null && child.signalCode === null) {
      kill(-pid, 'SIGKILL');
      await once(child, 'exit').catch(() => undefined);
    }
  }
  for (const d of before) kill(d, 'SIGKILL');
}
