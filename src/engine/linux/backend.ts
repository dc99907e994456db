// The namespaces backend: each container a real one, its init in new pid, mount, uts, ipc (and net) namespaces
// with pivot_root into an overlay of its image, limits in cgroups; execs enter every namespace of that init
// (runc's role under dockerd: libcontainer's create, init and exec, done with util-linux and busybox).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { exitCodeOf } from '../../shim/spawn.ts';
import { waitFor } from '../../util/wait.ts';
import type { BackendProcess, ContainerBackend, ContainerProcess, ContainerSpec, ExitStatus, ProcessSpec } from '../backend.ts';
import { createCgroups, cgroupLayout, oomKilled, procsFiles, removeCgroups, type CgroupSet } from './cgroups.ts';
import { writeEtcFiles } from './etc-files.ts';
import { execCommand, initCommand, shellAdded } from './init-script.ts';
import { childrenOf, killIfSame, sameProcess, startTime } from './procfs.ts';
import { lookPathIn } from './rootfs-path.ts';
import { resolveUser } from './user.ts';

export interface NamespaceBackendOptions {
  root: string;               // the daemon's folder: our records are in <root>/namespaces/
  log?: (line: string) => void;
  // 'private' (default): a container's own network namespace with only loopback, which a pod's containers share
  // through the sandbox (each pod its own 127.0.0.1, so two nginx pods both have port 80). 'host': the node's.
  network?: 'private' | 'host';
}

// What recover needs of a container a killed engine left: its processes (with start times) and cgroups.
interface ContainerRecord { id: string; pid: number; pidStart?: string; initPid?: number; initStart?: string; cgroups: CgroupSet }

class NamespaceContainer implements ContainerProcess {
  constructor(
    readonly pid: number,
    readonly namespaces: string[],
    readonly stdout: Readable,
    readonly exited: Promise<ExitStatus>,
    readonly exit: Promise<ExitStatus>,
    readonly spec: ContainerSpec,
    readonly cgroups: CgroupSet,
    readonly ownNet: boolean,
    readonly stdin?: ContainerProcess['stdin'],
    readonly stderr?: Readable,
  ) {}
  kill(signal: NodeJS.Signals): void {
    try { process.kill(this.pid, signal); } catch { /* exited already */ }
  }
}

const ttyRefusal = 'a terminal (Tty) is not supported by the namespaces backend yet (chapter 7)';

// `exit`: the process is gone; `exited`: that, and the given streams have closed too (the seam's promise).
function track(child: ChildProcess, streams: (Readable | null | undefined)[], after?: (s: ExitStatus) => ExitStatus) {
  // A quick container may have exited, and its diagnostics pipe closed, before we get here: no event would come.
  const exit = new Promise<ExitStatus>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      const status = { exitCode: exitCodeOf(code, signal), ...(signal ? { signal } : {}) };
      resolve(after ? after(status) : status);
    };
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
  });
  const closed = streams.filter((s): s is Readable => !!s).map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r()))));
  return { exit, exited: Promise.all([exit, ...closed]).then(([status]) => status) };
}

// Node discards a child's unread stdout/stderr when it exits (child_process flushStdio resumes them): an exec that
// ends before the daemon reads it would lose its output. Piped at once into a buffer that holds it until read
// (with backpressure: a full buffer pauses the pipe). Destroying it closes the pipe too: a reader that gives up
// leaves the process EPIPE rather than blocked on a full pipe for ever.
function held(s: Readable): Readable {
  const out = new PassThrough();
  out.once('close', () => { if (!s.destroyed) s.destroy(); });
  return s.pipe(out);
}

// HOME from the user's passwd entry when the environment has none (runc sets it the same way).
function withHome(env: string[], home: string): string[] {
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, `HOME=${home}`];
}

function envObject(env: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const e of env) { const i = e.indexOf('='); if (i > 0) o[e.slice(0, i)] = e.slice(i + 1); }
  return o;
}

export function createNamespaceBackend(opts: NamespaceBackendOptions): ContainerBackend {
  const network = opts.network ?? 'private';
  const log = opts.log ?? (() => {});
  const recordsDir = (root: string) => join(root, 'namespaces');
  const live = new Map<string, NamespaceContainer>();
  const layout = cgroupLayout();

  const saveRecord = (r: ContainerRecord) => {
    mkdirSync(recordsDir(opts.root), { recursive: true });
    const file = join(recordsDir(opts.root), `${r.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(r));
    renameSync(`${file}.tmp`, file);
  };

  // Whatever is left of a container: its processes, then its cgroups (which kills any straggler), then the record.
  const clean = async (root: string, id: string) => {
    const file = join(recordsDir(root), `${id}.json`);
    let r: ContainerRecord;
    try { r = JSON.parse(readFileSync(file, 'utf8')) as ContainerRecord; } catch { return; }
    killIfSame(r.initPid, r.initStart);
    killIfSame(r.pid, r.pidStart);
    await removeCgroups(r.cgroups);
    await waitFor(() => !sameProcess(r.pid, r.pidStart) && (r.initPid === undefined || !sameProcess(r.initPid, r.initStart)),
      { timeoutMs: 10_000, what: `container ${id.slice(0, 12)}'s processes to exit` });
    rmSync(file, { force: true });
  };

  // #region start-container
  async function start(spec: ContainerSpec): Promise<ContainerProcess> {
    if (spec.tty) throw new Error(ttyRefusal);
    if (!/^[0-9a-f]{64}$/.test(spec.id)) throw new Error(`invalid container id ${JSON.stringify(spec.id)}`);
    const upper = join(spec.dir, 'upper');
    const work = join(spec.dir, 'work');
    const root = join(spec.dir, 'rootfs');
    for (const d of [upper, work, root]) mkdirSync(d, { recursive: true });
    // Before anything starts, in the container's files: who it runs as, and what argv[0] names (upper layer first).
    const layers = [upper, spec.image.rootfs];
    const user = resolveUser(spec.user, layers);
    const env = withHome(spec.env, user.home);
    const workingDir = spec.workingDir || '/';
    const path = lookPathIn(layers, spec.argv[0] ?? '', env, workingDir);
    writeEtcFiles(upper, spec.hostname);

    const joined = spec.joinNamespacesOf instanceof NamespaceContainer ? spec.joinNamespacesOf : undefined;
    if (spec.joinNamespacesOf && !joined) throw new Error('joinNamespacesOf: not a container of this backend');
    const newNet = network === 'private' && !joined;
    const cgroups = createCgroups(spec.id, spec.limits);
    const argv = initCommand({
      lower: spec.image.rootfs, upper, work, root,
      hostname: joined ? '' : spec.hostname, loopback: newNet, newNet, workingDir,
      ...(user.uid !== 0 || user.gid !== 0 ? { user } : {}),
      cgroupProcs: procsFiles(cgroups), unset: shellAdded(env),
      argv0: spec.argv[0]!, path, args: spec.argv.slice(1),
      ...(joined ? { join: { pid: joined.pid, net: joined.ownNet } } : {}),
    });
    const child = spawn(argv[0]!, argv.slice(1), {
      env: envObject(env), detached: true,
      stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const record: ContainerRecord = { id: spec.id, pid: child.pid ?? -1, pidStart: child.pid ? startTime(child.pid) : undefined, cgroups };
    saveRecord(record);
    child.on('error', (err) => log(`container ${spec.id.slice(0, 12)}: ${err.message}`));
    const stdio = child.stdio as (Readable | null)[];
    const [diag, status] = [stdio[2]!, stdio[3]!];
    for (const s of [child.stdout, diag, status, stdio[4]]) s?.on('error', () => {});
    const [stdout, stderr] = [held(child.stdout!), held(stdio[4]!)];
    child.stdin?.on('error', () => {});   // a container that exits while the daemon writes: EPIPE, not a crash
    let diagText = '';
    diag.setEncoding('utf8');
    diag.on('data', (d: string) => { diagText += d; for (const l of d.split('\n').filter(Boolean)) log(`container ${spec.id.slice(0, 12)}: ${l}`); });

    // "S" once the namespaces, mounts and pivot_root are done, "E <why>" if one failed; EOF if the chain died first.
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      status.setEncoding('utf8');
      status.on('data', (d: string) => { text += d; if (text.includes('\n')) resolve(text.split('\n')[0]!); });
      status.on('close', () => resolve(text.split('\n')[0] ?? ''));
    });
    if (answer !== 'S') {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('close', r)));
      await clean(opts.root, spec.id);
      const why = answer.startsWith('E ') ? answer.slice(2) : 'the container\'s init exited during setup';
      throw new Error(`${why}${diagText.trim() ? `: ${diagText.trim()}` : ''}`);
    }
    // busybox unshare forked the init: the pid namespace's 1, as the host numbers it.
    // A quick command (`echo hi`) may be gone already: then the init was the chain's child, and is no more.
    const initPid = await waitFor(() => (child.exitCode !== null || child.signalCode !== null ? child.pid! : childrenOf(child.pid!)[0]), { timeoutMs: 5_000, intervalMs: 2, what: 'the container\'s init' });
    record.initPid = initPid;
    record.initStart = startTime(initPid);
    saveRecord(record);

    const { exit, exited } = track(child, [stdout, stderr, diag], (s) => (s.exitCode === 137 && oomKilled(cgroups) ? { ...s, oomKilled: true } : s));
    const namespaces = ['pid', 'mnt', ...(joined ? [] : ['uts', 'ipc']), ...(newNet ? ['net'] : [])];
    const c = new NamespaceContainer(initPid, namespaces, stdout, exited, exit, spec, cgroups,
      joined ? joined.ownNet : newNet, child.stdin ?? undefined, stderr);
    live.set(spec.id, c);
    void exit.then(() => { if (live.get(spec.id) === c) live.delete(spec.id); });
    return c;
  }
  // #endregion start-container

  // #region exec-in-container
  async function exec(container: ContainerProcess, spec: ProcessSpec): Promise<BackendProcess> {
    if (spec.tty) throw new Error(ttyRefusal);
    if (!(container instanceof NamespaceContainer)) throw new Error('exec: not a container of this backend');
    // The container's files as its init sees them now: /proc/<pid>/root is its root after pivot_root.
    const layers = [`/proc/${container.pid}/root`];
    const user = resolveUser(spec.user || container.spec.user, layers);
    const env = withHome(spec.env, user.home);
    const workingDir = spec.workingDir || container.spec.workingDir || '/';
    lookPathIn(layers, spec.argv[0] ?? '', env, workingDir);   // runc's "executable file not found" before anything runs
    const argv = execCommand(container.pid, { workingDir, user, cgroupProcs: procsFiles(container.cgroups), env, argv: spec.argv });
    const child = spawn(argv[0]!, argv.slice(1), { env: envObject(env), detached: true, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    child.on('error', (err) => log(`exec in ${container.spec.id.slice(0, 12)}: ${err.message}`));
    for (const s of [child.stdin, child.stdout, child.stderr]) s?.on('error', () => {});
    const [stdout, stderr] = [held(child.stdout!), held(child.stderr!)];
    const { exit, exited } = track(child, [stdout, stderr]);
    // nsenter forks into the pid namespace: its child is the process; signals go to it, not to nsenter.
    let gone = false;
    void exit.then(() => { gone = true; });
    const pid = await waitFor(() => (gone ? -1 : childrenOf(child.pid!)[0]), { timeoutMs: 5_000, intervalMs: 2, what: 'the exec\'s process' })
      .catch(() => -1);
    return {
      pid: pid > 0 ? pid : child.pid!,
      stdout, stderr, exited,
      ...(child.stdin ? { stdin: child.stdin } : {}),
      kill: (signal) => { try { process.kill(pid > 0 ? pid : child.pid!, signal); } catch { /* exited */ } },
    };
  }
  // #endregion exec-in-container

  const notes = [...layout.notes];
  return {
    kind: 'namespaces',
    description: `namespaces: pid, mnt, uts, ipc, ${network === 'private' ? 'net (each pod its own loopback)' : 'host network'}; `
      + `overlay root and pivot_root; limits: ${[layout.memory && 'memory', layout.pids && 'pids'].filter(Boolean).join(', ') || 'none'}`
      + `${notes.length ? ` (${notes.join('; ')})` : ''}`,
    start,
    exec,
    async cleanup(spec) {
      const c = live.get(spec.id);
      if (c) { c.kill('SIGKILL'); await c.exit; }
      await clean(opts.root, spec.id);
    },
    async recover(root) {
      let names: string[] = [];
      try { names = readdirSync(recordsDir(root)); } catch { return; }
      for (const n of names) {
        const m = /^([0-9a-f]{64})\.json$/.exec(n);
        if (m && !live.has(m[1]!)) await clean(root, m[1]!);
        else if (n.endsWith('.tmp')) rmSync(join(recordsDir(root), n), { force: true });
      }
    },
    async close() {
      const all = [...live.values()];
      for (const c of all) c.kill('SIGKILL');
      await Promise.all(all.map(async (c) => { await c.exit; await clean(opts.root, c.spec.id); }));
    },
  };
}
