// Exec instances (moby daemon/exec.go and daemon/exec/exec.go): an ExecConfig created against a running container,
// started once, inspected for its exit code. What the hijacked connection carries is in exec-stream.ts.
import { randomBytes } from 'node:crypto';
import type { BackendProcess } from './backend.ts';
import type { Daemon } from './daemon.ts';
import { consoleSizeOf } from './daemon.ts';
import { conflict, containerNotRunning, invalidParameter, noSuchExec } from './errors.ts';
import type { TerminalSize } from '../exec/executor.ts';
import { UnknownUserError } from './linux/user.ts';

export interface ExecConfig {
  Cmd: string[];
  Tty: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Env: string[];
  User: string;
  WorkingDir: string;
  Privileged: boolean;
  DetachKeys: string;
  ConsoleSize?: TerminalSize;  // the terminal's first size, from the create request or the start's (which wins)
}

export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;     // null until it has run: the CLI reads null as 0, so it is set before the stream ends
  pid: number;
  started: boolean;
  proc?: BackendProcess;
  canRemove?: boolean;         // ended and seen so by one collection: the next one forgets it
}

// moby execCommandGC: every 5 minutes, execs that have ended are marked, and those marked the time before are
// forgotten, so an exit code stays readable for at least 5 minutes and a container exec'd all day holds no history.
const EXEC_GC_INTERVAL_MS = 5 * 60_000;

// #region exec-create-start-inspect
export class ExecStore {
  private execs = new Map<string, ExecInstance>();
  constructor(private readonly daemon: Daemon, gcIntervalMs = EXEC_GC_INTERVAL_MS) {
    setInterval(() => this.gc(), gcIntervalMs).unref();
  }

  gc(): void {
    for (const [id, e] of this.execs) {
      if (e.canRemove) this.execs.delete(id);
      else if (e.started && !e.running) e.canRemove = true;
    }
  }

  // POST /containers/{id}/exec. The router refuses an empty Cmd before it looks for the container, as moby's does.
  create(ref: string, body: Record<string, unknown>): { Id: string } {
    const cmd = Array.isArray(body.Cmd) ? body.Cmd.map(String) : typeof body.Cmd === 'string' ? [body.Cmd] : [];
    if (cmd.length === 0) throw invalidParameter('No exec command specified');
    const c = this.daemon.get(ref);
    if (!c.proc) throw containerNotRunning(c.rec.ID);
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, {
      id, containerId: c.rec.ID, running: false, exitCode: null, pid: 0, started: false,
      config: {
        Cmd: cmd, Tty: Boolean(body.Tty), AttachStdin: Boolean(body.AttachStdin), AttachStdout: Boolean(body.AttachStdout),
        AttachStderr: Boolean(body.AttachStderr), Env: Array.isArray(body.Env) ? body.Env.map(String) : [],
        User: typeof body.User === 'string' ? body.User : '', WorkingDir: typeof body.WorkingDir === 'string' ? body.WorkingDir : '',
        Privileged: Boolean(body.Privileged), DetachKeys: typeof body.DetachKeys === 'string' ? body.DetachKeys : '',
        ...(consoleSizeOf(body.ConsoleSize) ? { ConsoleSize: consoleSizeOf(body.ConsoleSize) } : {}),
      },
    });
    this.daemon.event(c, `exec_create: ${cmd.join(' ')}`, { execID: id });
    this.daemon.opts.log(`exec ${id.slice(0, 12)} created in ${c.rec.ID.slice(0, 12)}: ${JSON.stringify(cmd)}`);
    return { Id: id };
  }

  get(id: string): ExecInstance {
    const e = this.execs.get(id);
    if (!e) throw noSuchExec(id);
    return e;
  }

  // ContainerExecStart: run the process in the container's namespaces. A failure marks the exec as having run with
  // 126, the code `docker exec` exits with when the command could not be started.
  async start(id: string, consoleSize?: TerminalSize): Promise<BackendProcess> {
    const e = this.get(id);
    if (consoleSize) e.config.ConsoleSize = consoleSize;
    if (e.running) throw conflict(`Error: Exec command ${id} is already running`);
    if (e.started) throw conflict(`Error: Exec command ${id} has already run`);
    e.started = true;
    const c = this.daemon.get(e.containerId);
    if (!c.proc) { e.exitCode = 126; throw containerNotRunning(c.rec.ID); }
    const env = new Map<string, string>();
    for (const kv of [...c.rec.Config.Env, ...e.config.Env]) env.set(kv.split('=')[0], kv);
    try {
      e.proc = await this.daemon.opts.backend.exec(c.proc, {
        argv: e.config.Cmd, env: [...env.values()], workingDir: e.config.WorkingDir || c.rec.Config.WorkingDir || '/',
        user: e.config.User || c.rec.Config.User, tty: e.config.Tty, stdin: e.config.AttachStdin,
        ...(e.config.Tty && e.config.ConsoleSize ? { consoleSize: e.config.ConsoleSize } : {}),
      });
    } catch (err) {
      e.exitCode = 126;
      // A user or group not in the container's files: dockerd's own lookup (execSetPlatformOpt) fails, in its words.
      if (err instanceof UnknownUserError) throw err;
      throw new Error(`OCI runtime exec failed: exec failed: unable to start container process: ${(err as Error).message}: unknown`);
    }
    e.running = true;
    e.pid = e.proc.pid;
    this.daemon.event(c, `exec_start: ${e.config.Cmd.join(' ')}`, { execID: id });
    // The exit code is recorded here, as soon as the process has ended (its output may still be on its way), so it is
    // there before the stream that carries that output is closed: a client inspects as soon as it sees the end of the
    // stream. An exec whose client left and whose output nobody reads still ends, with its container.
    void (e.proc.gone ?? e.proc.exited).then((st) => {
      e.exitCode = st.exitCode;
      e.running = false;
      e.pid = 0;
      this.daemon.opts.log(`exec ${id.slice(0, 12)} exited with code ${st.exitCode}`);
      this.daemon.event(c, 'exec_die', { execID: id, exitCode: String(st.exitCode) });
    });
    return e.proc;
  }

  // GET /exec/{id}/json
  inspect(id: string) {
    const e = this.get(id);
    return {
      ID: e.id, Running: e.running, ExitCode: e.exitCode, ContainerID: e.containerId, Pid: e.pid,
      OpenStdin: e.config.AttachStdin, OpenStdout: e.config.AttachStdout, OpenStderr: e.config.AttachStderr,
      CanRemove: e.canRemove ?? false, DetachKeys: e.config.DetachKeys,
      ProcessConfig: { tty: e.config.Tty, entrypoint: e.config.Cmd[0], arguments: e.config.Cmd.slice(1), privileged: e.config.Privileged, user: e.config.User },
    };
  }

  // The execs running in a container (inspect's ExecIDs).
  running(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId && e.running).map((e) => e.id);
  }

  // Forget a removed container's execs.
  forget(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }
}
// #endregion exec-create-start-inspect
