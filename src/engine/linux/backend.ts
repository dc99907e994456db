// The namespaces backend: each container a real one, its init in new pid, mount, uts, ipc (and net) namespaces
// with pivot_root into an overlay of its image, limits in cgroups; execs enter every namespace of that init
// (runc's role under dockerd: libcontainer's create, init and exec, done with util-linux and busybox).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished, PassThrough, type Readable } from 'node:stream';
import { exitCodeOf } from '../../shim/spawn.ts';
import { waitFor } from '../../util/wait.ts';
import type { BackendProcess, ContainerBackend, ContainerProcess, ContainerSpec, ExitStatus, ProcessSpec } from '../backend.ts';
import { createCgroups, cgroupLayout, cgroupPids, oomKilled, procsFiles, removeCgroups, sweepCgroups, type CgroupSet } from './cgroups.ts';
import { writeEtcFiles } from './etc-files.ts';
import { execCommand, initCommand, shellAdded, tools } from './init-script.ts';
import { childrenOf, killIfSame, pidNamespaceOf, processesInPidNamespace, sameProcess, startTime } from './procfs.ts';
import { lookPathIn } from './rootfs-path.ts';
import { openConsole, type Console } from './console.ts';
import { resolveUser, type ExecUser } from './user.ts';
import type { TerminalSize } from '../../exec/executor.ts';

export interface NamespaceBackendOptions {
  root: string;               // the daemon's folder: our records are in <root>/namespaces/
  log?: (line: string) => void;
  // 'private' (default): a container's own network namespace with only loopback, which a pod's containers share
  // through the sandbox (each pod its own 127.0.0.1, so two nginx pods both have port 80). 'host': the node's.
  network?: 'private' | 'host';
}

// What recover needs of a container a killed engine left: its processes (with start times) and cgroups.
interface ContainerRecord {
  id: string; pid: number; pidStart?: string; initPid?: number; initStart?: string;
  watchdogPid?: number; watchdogStart?: string; cgroups: CgroupSet;
}

// The init's second tie to the engine: the kernel clears a parent-death signal when a process changes user (an
// init running as nobody) or runs a set-user-ID program, so a small shell reads a pipe only the engine holds
// open and, at its end (the engine is gone, however it died), kills the init. Stopped when the init exits.
const watchdogScript = 'read _ignored; kill -KILL "$1"';

function startWatchdog(initPid: number): ChildProcess {
  const w = spawn(tools.busybox!, ['sh', '-c', watchdogScript, 'container-watchdog', String(initPid)],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  w.on('error', () => {});
  w.stdin?.on('error', () => {});
  w.unref();
  (w.stdin as unknown as { unref?: () => void } | null)?.unref?.();   // the engine's pipe end must not keep it alive
  return w;
}

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
    readonly user: ExecUser,
    readonly stdin?: ContainerProcess['stdin'],
    readonly stderr?: Readable,
    readonly resize?: (size: TerminalSize) => void,
  ) {}
  running = true;
  kill(signal: NodeJS.Signals): void {
    // Once it has exited its pid may be another process's: never signal it then.
    if (!this.running) return;
    try { process.kill(this.pid, signal); } catch { /* exited already */ }
  }
}

// A child's output, held for the daemon from the first byte. Node resumes (and so throws away) the output of a
// child that has exited if nobody reads it yet, and a quick `echo hi` is over before the daemon attaches.
// `captured`: the pipe has given everything, and whatever it gave has been read, so an exit status never overtakes
// the output before it (a daemon attaching late still gets it all). Output nobody reads keeps `exited` waiting.
function held(s: Readable | null): { out: PassThrough; captured: Promise<void> } {
  const out = new PassThrough();
  if (!s) { out.end(); return { out, captured: Promise.resolve() }; }
  s.on('error', () => out.end());
  s.pipe(out);
  // The daemon gave up on it (a client went away): the process's pipe closes too, it gets EPIPE, as it would in dockerd.
  out.on('close', () => { if (!s.readableEnded) s.destroy(); });
  const pending = () => out.readableLength > 0 || out.listenerCount('data') > 0 || out.listenerCount('readable') > 0;
  const captured = new Promise<void>((r) => finished(s, () => r()))
    .then(() => (pending() ? new Promise<void>((r) => finished(out, () => r())) : undefined));
  return { out, captured };
}

// `exit`: the process is gone; `exited`: that, and all its output captured (the seam's promise).
function track(child: ChildProcess, captured: Promise<void>[], after?: (s: ExitStatus) => ExitStatus) {
  const exit = new Promise<ExitStatus>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      const status = { exitCode: exitCodeOf(code, signal), ...(signal ? { signal } : {}) };
      resolve(after ? after(status) : status);
    };
    // Already gone (a quick command): no 'exit' event would come any more.
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
  });
  return { exit, exited: Promise.all([exit, ...captured]).then(([status]) => status) };
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
  const containers = new Map<string, NamespaceContainer>();   // started and not cleaned up yet
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
    killIfSame(r.watchdogPid, r.watchdogStart);
    await removeCgroups(r.cgroups);
    await waitFor(() => !sameProcess(r.pid, r.pidStart) && (r.initPid === undefined || !sameProcess(r.initPid, r.initStart)),
      { timeoutMs: 10_000, what: `container ${id.slice(0, 12)}'s processes to exit` });
    rmSync(file, { force: true });
  };

  async function start(spec: ContainerSpec): Promise<ContainerProcess> {
    if (!/^[0-9a-f]{64}$/.test(spec.id)) throw new Error(`invalid container id ${JSON.stringify(spec.id)}`);
    const upper = join(spec.dir, 'upper');
    const work = join(spec.dir, 'work');
    const root = join(spec.dir, 'rootfs');
    for (const d of [upper, work, root]) mkdirSync(d, { recursive: true });
    // Before anything starts, in the container's files: who it runs as, and what argv[0] names (upper layer first).
    const layers = [upper, spec.image.rootfs];
    const user = resolveUser(spec.user, layers, spec.groupAdd);
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
      user,
      cgroupProcs: procsFiles(cgroups), unset: shellAdded(env),
      argv0: spec.argv[0]!, path, args: spec.argv.slice(1),
      ...(joined ? { join: { pid: joined.pid, net: joined.ownNet } } : {}),
      tty: spec.tty,
    });
    // With a terminal, stdin is the line on which the init learns which /dev/pts/N is its console.
    const child = spawn(argv[0]!, argv.slice(1), {
      env: envObject(env), detached: true,
      stdio: [spec.stdin || spec.tty ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const record: ContainerRecord = { id: spec.id, pid: child.pid ?? -1, pidStart: child.pid ? startTime(child.pid) : undefined, cgroups };
    saveRecord(record);
    child.on('error', (err) => log(`container ${spec.id.slice(0, 12)}: ${err.message}`));
    const stdio = child.stdio as (Readable | null)[];
    const [diag, status] = [stdio[2]!, stdio[3]!];
    for (const s of [diag, status]) s.on('error', () => {});
    const stdout = held(child.stdout);
    const stderr = held(stdio[4]!);
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
    const reported = /^S (\d+)$/.exec(answer);
    if (!reported) {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('close', r)));
      await clean(opts.root, spec.id);
      const why = answer.startsWith('E ') ? answer.slice(2) : 'the container\'s init exited during setup';
      throw new Error(`${why}${diagText.trim() ? `: ${diagText.trim()}` : ''}`);
    }
    // The init told us its host pid (it is 1 in its own namespace; busybox unshare's child).
    const initPid = Number(reported[1]);
    record.initPid = initPid;
    record.initStart = startTime(initPid);
    const watchdog = startWatchdog(initPid);
    record.watchdogPid = watchdog.pid;
    record.watchdogStart = watchdog.pid ? startTime(watchdog.pid) : undefined;
    saveRecord(record);

    let cons: Console | undefined;
    if (spec.tty) {
      try { cons = giveConsole(initPid, child, spec, user.uid); } catch (err) {
        child.kill('SIGKILL');
        killIfSame(initPid, record.initStart);
        watchdog.kill('SIGKILL');
        await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('close', r)));
        await clean(opts.root, spec.id);
        throw err;
      }
    }
    const { exit, exited } = track(child, [stdout.captured, stderr.captured], (s) => (s.exitCode === 137 && oomKilled(cgroups) ? { ...s, oomKilled: true } : s));
    const namespaces = ['pid', 'mnt', ...(joined ? [] : ['uts', 'ipc']), ...(newNet ? ['net'] : [])];
    if (cons) {
      // The pipes carry nothing once the init has its terminal; the terminal carries both streams.
      stdout.out.resume(); stderr.out.resume();
      const done = exit.then(() => cons.finish());
      const c = new NamespaceContainer(initPid, namespaces, cons.stdout, Promise.all([exited, done]).then(([s]) => s), exit, spec, cgroups,
        joined ? joined.ownNet : newNet, user, spec.stdin ? cons.stdin : undefined, undefined, cons.resize);
      containers.set(spec.id, c);
      void exit.then(() => { c.running = false; watchdog.kill('SIGKILL'); });
      return c;
    }
    const c = new NamespaceContainer(initPid, namespaces, stdout.out, exited, exit, spec, cgroups,
      joined ? joined.ownNet : newNet, user, child.stdin ?? undefined, stderr.out);
    containers.set(spec.id, c);
    void exit.then(() => { c.running = false; watchdog.kill('SIGKILL'); });
    return c;
  }

  async function exec(container: ContainerProcess, spec: ProcessSpec): Promise<BackendProcess> {
    if (!(container instanceof NamespaceContainer)) throw new Error('exec: not a container of this backend');
    if (!container.running) throw new Error('cannot exec in a stopped container');
    // The container's files as its init sees them now: /proc/<pid>/root is its root after pivot_root.
    const layers = [`/proc/${container.pid}/root`];
    // The container's own user as it was resolved at its start (moby's exec takes the container's OCI process
    // user); another is looked up now, in the files as they are.
    const userSpec = spec.user || container.spec.user;
    const user = userSpec === container.spec.user ? container.user : resolveUser(userSpec, layers, container.spec.groupAdd);
    const env = withHome(spec.env, user.home);
    const workingDir = spec.workingDir || container.spec.workingDir || '/';
    lookPathIn(layers, spec.argv[0] ?? '', env, workingDir);   // runc's "executable file not found" before anything runs
    const argv = execCommand(container.pid, { workingDir, user, cgroupProcs: procsFiles(container.cgroups), env, argv: spec.argv });
    if (spec.tty) return execOnTerminal(container, argv, env, spec, user.uid);
    const child = spawn(argv[0]!, argv.slice(1), { env: envObject(env), detached: true, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    child.on('error', (err) => log(`exec in ${container.spec.id.slice(0, 12)}: ${err.message}`));
    child.stdin?.on('error', () => {});
    const stdout = held(child.stdout);
    const stderr = held(child.stderr);
    const { exit, exited } = track(child, [stdout.captured, stderr.captured]);
    // nsenter forks into the pid namespace: its child is the process; signals go to it, not to nsenter.
    let gone = false;
    void exit.then(() => { gone = true; });
    const pid = await waitFor(() => (gone ? -1 : childrenOf(child.pid!)[0]), { timeoutMs: 5_000, intervalMs: 2, what: 'the exec\'s process' })
      .catch(() => -1);
    return {
      pid: pid > 0 ? pid : child.pid!,
      stdout: stdout.out, stderr: stderr.out, exited, gone: exit,
      ...(child.stdin ? { stdin: child.stdin } : {}),
      kill: (signal) => { try { process.kill(pid > 0 ? pid : child.pid!, signal); } catch { /* exited */ } },
    };
  }

  // #region container-pids
  // The container's processes: its cgroup's, those in its pid namespace (an exec's nsenter joins the cgroup but waits
  // outside, where runc's setns process would have exited already); with no cgroup here, the pid namespace's alone.
  function pids(container: ContainerProcess): number[] {
    if (!(container instanceof NamespaceContainer) || !container.running) return [];
    const ns = pidNamespaceOf(container.pid);
    if (!ns) return [];
    const inCgroup = cgroupPids(container.cgroups);
    return inCgroup ? inCgroup.filter((pid) => pidNamespaceOf(pid) === ns) : processesInPidNamespace(ns);
  }
  // #endregion container-pids

  // #region tty-exec
  // docker exec -t: the same command line with a terminal of the container's devpts as its stdin, stdout and stderr;
  // setsid --ctty makes it the session's controlling terminal (Ctrl-C is a SIGINT to the foreground job, and
  // `tty` inside prints /dev/pts/N). nsenter's child stays in that session.
  async function execOnTerminal(container: NamespaceContainer, argv: string[], env: string[], spec: ProcessSpec, uid: number): Promise<BackendProcess> {
    if (!tools.setsid) throw new Error('a terminal needs util-linux setsid');
    const term = openConsole(container.pid, spec.consoleSize, uid);
    const fd = term.slave;
    const child = spawn(tools.setsid, ['--ctty', ...argv], { env: envObject(env), stdio: [fd, fd, fd] });
    child.on('error', (err) => log(`exec in ${container.spec.id.slice(0, 12)}: ${err.message}`));
    const { exit } = track(child, []);
    let gone = false;
    const done = exit.then(async (st) => { gone = true; await term.finish(); return st; });
    const pid = await waitFor(() => (gone ? -1 : childrenOf(child.pid!)[0]), { timeoutMs: 5_000, intervalMs: 2, what: 'the exec\'s process' })
      .catch(() => -1);
    const target = pid > 0 ? pid : child.pid!;
    return {
      pid: target, stdout: term.stdout, exited: done, gone: exit, resize: term.resize,
      ...(spec.stdin ? { stdin: term.stdin } : {}),
      kill: (signal) => { if (!gone) { try { process.kill(target, signal); } catch { /* exited */ } } },
    };
  }
  // #endregion tty-exec

  // A container whose own process has a terminal: once the init has its root (it said "S"), its console is made in
  // its devpts and the init is told N on its stdin; it makes /dev/pts/N its stdin, stdout, stderr and controlling
  // terminal before it becomes the container's process (runc's init does the same with the console socket).
  function giveConsole(initPid: number, child: ChildProcess, spec: ContainerSpec, uid: number): Console {
    const term = openConsole(initPid, spec.consoleSize, uid);
    child.stdin!.on('error', () => {});
    child.stdin!.end(`${term.index}\n`);
    return term;
  }

  const notes = [...layout.notes];
  return {
    kind: 'namespaces',
    description: `namespaces: pid, mnt, uts, ipc, ${network === 'private' ? 'net (each pod its own loopback)' : 'host network'}; `
      + `overlay root and pivot_root; limits: ${[layout.memory && 'memory', layout.pids && 'pids'].filter(Boolean).join(', ') || 'none'}`
      + `${notes.length ? ` (${notes.join('; ')})` : ''}`,
    start,
    exec,
    pids,
    async cleanup(spec) {
      const c = containers.get(spec.id);
      if (c) { c.kill('SIGKILL'); await c.exit; containers.delete(spec.id); }
      await clean(opts.root, spec.id);
    },
    async recover(root) {
      let names: string[] = [];
      try { names = readdirSync(recordsDir(root)); } catch { /* no container was ever started here */ }
      for (const n of names) {
        const m = /^([0-9a-f]{64})\.json$/.exec(n);
        if (m && !containers.has(m[1]!)) await clean(root, m[1]!);
        else if (n.endsWith('.tmp')) rmSync(join(recordsDir(root), n), { force: true });
      }
      const swept = sweepCgroups();
      if (swept.length) log(`removed ${swept.length} empty cgroup(s) that no engine's records named`);
    },
    async close() {
      const all = [...containers.values()];
      containers.clear();
      for (const c of all) c.kill('SIGKILL');
      await Promise.all(all.map(async (c) => { await c.exit; await clean(opts.root, c.spec.id); }));
    },
  };
}
