// The fallback ContainerBackend: a container's processes are plain host processes (no namespaces, no root
// filesystem, no limits), for an engine that is not root or has no namespaces. runc's role, played without isolation:
// each process leads a session of its own, recorded on disk (exec/process-groups.ts), so that the container's
// stop, and the engine's death (parent-death signal, then the next engine's recover), end everything it started.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ContainerSessions, killRecordedSessions, recordedMembers } from '../exec/process-groups.ts';
import { exitCodeOf, spawnBound } from '../shim/spawn.ts';
import type { BackendProcess, ContainerBackend, ContainerProcess, ContainerSpec, ExitStatus, ProcessSpec } from './backend.ts';
import { lookPath } from '../exec/look-path.ts';
import { spawnOnPty } from './pty-process.ts';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface HostContainer { dir: string; rootfs: string; image: string; sessions: ContainerSessions }

export class ProcessBackend implements ContainerBackend {
  readonly kind = 'processes' as const;
  readonly description = 'containers are host processes: no namespaces, no root filesystem of their own, no user or group switching (the engine\'s uid, gid and groups; -u and --group-add not applied), no memory or pids limits (run the engine as root on Linux for real containers)';
  private containers = new WeakMap<ContainerProcess, HostContainer>();

  async start(spec: ContainerSpec): Promise<ContainerProcess> {
    // A folder of its own stands in for the root filesystem: the working directory lives there.
    const rootfs = join(spec.dir, 'rootfs');
    const sessions = new ContainerSessions(join(spec.dir, 'sessions'));
    sessions.open();
    const host: HostContainer = { dir: spec.dir, rootfs, image: spec.image.rootfs, sessions };
    const proc = await this.spawn(host, spec, true);
    const container: ContainerProcess = Object.assign(proc, { namespaces: [] as string[] });
    this.containers.set(container, host);
    return container;
  }

  async exec(container: ContainerProcess, spec: ProcessSpec): Promise<BackendProcess> {
    const host = this.containers.get(container);
    if (!host) throw new Error('container is not running');
    return this.spawn(host, spec, false);
  }

  // No cgroup to read: the container's processes are the members of the sessions it recorded (its own and each exec's).
  pids(container: ContainerProcess): number[] {
    const host = this.containers.get(container);
    return host ? recordedMembers(host.sessions.dir) : [];
  }

  private async spawn(host: HostContainer, spec: ProcessSpec, init: boolean): Promise<BackendProcess> {
    const cwd = resolve(host.rootfs, `.${spec.workingDir || '/'}`);
    if (cwd !== host.rootfs && !cwd.startsWith(host.rootfs + sep)) throw new Error(`working directory "${spec.workingDir}" escapes the container`);
    mkdirSync(cwd, { recursive: true });
    const env: Record<string, string> = { PATH: DEFAULT_PATH };
    for (const kv of spec.env) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    // Commands are looked up in the image's files first (its busybox runs on the host as well), then on the host's.
    const dirs = env.PATH.split(':').filter(Boolean);
    env.PATH = [...dirs.map((d) => join(host.image, d)), ...dirs].join(':');
    // An absolute command is the image's file where the image has it (pause's /pause): else no pod could start here.
    const argv0 = spec.argv[0]?.startsWith('/') && existsSync(join(host.image, spec.argv[0])) ? join(host.image, spec.argv[0]) : spec.argv[0]!;
    if (spec.tty) return this.spawnOnTerminal(host, [argv0, ...spec.argv.slice(1)], env, cwd, spec, init);
    const child: ChildProcess = spawnBound([argv0, ...spec.argv.slice(1)], { cwd, env, detached: true, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    await new Promise<void>((ok, fail) => { child.once('spawn', ok); child.once('error', fail); });
    host.sessions.add(child.pid!);
    for (const s of [child.stdin, child.stdout, child.stderr]) s?.on('error', () => { /* EPIPE from a process that left */ });
    const gone = new Promise<ExitStatus>((done) => {
      child.once('exit', (code, signal) => {
        // As when a pid namespace's init dies: whatever the container or an exec in it started ends with it,
        // and with it every pipe they held open.
        if (init) host.sessions.end();
        done({ exitCode: exitCodeOf(code, signal), ...(signal ? { signal } : {}) });
      });
    });
    const exited = new Promise<void>((r) => child.once('close', () => r())).then(() => gone);
    return {
      pid: child.pid!,
      stdin: child.stdin ?? undefined,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited,
      gone,
      kill: (signal) => { try { process.kill(child.pid!, signal); } catch { /* gone */ } },
    };
  }

  // A terminal: node-pty's, from the host's devpts (no container here to have one of its own).
  private async spawnOnTerminal(host: HostContainer, argv: string[], env: Record<string, string>, cwd: string, spec: ProcessSpec, init: boolean): Promise<BackendProcess> {
    const file = lookPath(argv[0]!, env, cwd);
    if (!file) throw new Error(`exec: "${argv[0]}": executable file not found in $PATH`);
    const term = await spawnOnPty([file, ...argv.slice(1)], env, spec.consoleSize, cwd);
    host.sessions.add(term.pid);
    let gone = false;
    const exited = term.exit.then((st) => { gone = true; if (init) host.sessions.end(); return st; });
    return {
      pid: term.pid, stdout: term.stdout, exited, resize: term.resize,
      ...(spec.stdin ? { stdin: term.stdin } : {}),
      kill: (signal) => { if (!gone) try { process.kill(term.pid, signal); } catch { /* gone */ } },
    };
  }

  async cleanup(spec: ContainerSpec): Promise<void> {
    new ContainerSessions(join(spec.dir, 'sessions')).end();
  }

  async recover(root: string): Promise<void> {
    let ids: string[] = [];
    try { ids = readdirSync(join(root, 'containers')); } catch { return; }
    for (const id of ids) {
      for (const d of ['sessions', 'sessions.ending']) killRecordedSessions(join(root, 'containers', id, d));
    }
  }

  async close(): Promise<void> { /* each container is stopped by the daemon first */ }
}
