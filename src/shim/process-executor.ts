// Runs a command inside a process-runtime container with streams: ExecInContainer for the process runtime
// (cri-dockerd core/exec.go NativeExecHandler.ExecInContainer plays this role over the Docker API).
import { ExecError, type ExecResult, type ExecStreams, type ExecTarget, type Executor } from '../exec/executor.ts';
import { execOnPty } from '../exec/pty.ts';
import { boundCommand, ExecutableNotFound, exitCodeOf, lookPath, spawnBound } from './spawn.ts';
import type { ChildProcess } from 'node:child_process';

// Where a container's processes run: its working folder and environment.
export interface ProcessSpec {
  cwd: string;
  env: Record<string, string>;
  // Records the new process's session with the container, so that it ends when the container does.
  track?: (pid: number) => void;
}
export type ProcessSpecResolver = (containerId: string) => ProcessSpec | Promise<ProcessSpec>;

// The seam chapter 5 plugs its spawner into (shim/spawner.ts): something that starts a command in its own process
// group and gives back what this executor uses of a ChildProcess.
export interface StartedProcess extends Pick<ChildProcess, 'pid' | 'stdin' | 'stdout' | 'stderr'> {
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}
export interface ProcessSpawner {
  spawn(argv: string[], opts: { cwd: string; env: Record<string, string>; stdio: ['pipe' | 'ignore', 'pipe' | 'ignore', 'pipe' | 'ignore'] }): StartedProcess;
}

// #region exec-in-container
export class ProcessExecutor implements Executor {
  // tty: true runs on a pseudo-terminal (exec/pty.ts), forked by node-pty here rather than by the spawner.
  readonly supportsTTY = true;

  // With a spawner (chapter 5's shim), processes are forked by its helper process, off this event loop.
  constructor(private readonly resolve: ProcessSpecResolver, private readonly hop: string, private readonly spawner?: ProcessSpawner) {}

  async execInContainer(target: ExecTarget, streams: ExecStreams, signal: AbortSignal): Promise<ExecResult> {
    let spec: ProcessSpec;
    try { spec = await this.resolve(target.container); } catch (err) { throw new ExecError((err as Error & { details?: string }).details ?? (err as Error).message, this.hop); }
    if (!target.cmd[0]) throw new ExecError('no command specified', this.hop);
    signal.throwIfAborted();
    if (streams.tty) {
      const [name, ...rest] = target.cmd;
      const path = lookPath(name, spec.env, spec.cwd);
      if (path === undefined) throw new ExecError(new ExecutableNotFound(name).message, this.hop);
      // Bound to the shim as every exec is (parent-death signal); the terminal's session is the command's own.
      const [file, args] = boundCommand(path, rest, name);
      return execOnPty({ file, args, cwd: spec.cwd, env: spec.env, track: spec.track, hop: this.hop }, streams, signal);
    }
    const stderr = streams.stderr;
    let child: StartedProcess;
    const stdio = [streams.stdin ? 'pipe' : 'ignore', streams.stdout ? 'pipe' : 'ignore', stderr ? 'pipe' : 'ignore'] as const;
    try {
      child = this.spawner
        ? this.spawner.spawn(target.cmd, { cwd: spec.cwd, env: spec.env, stdio: [...stdio] })
        : spawnBound(target.cmd, { cwd: spec.cwd, env: spec.env, detached: true, stdio: [...stdio] }); // own process group: one kill ends the command and its children
    } catch (err) {
      throw new ExecError((err as Error).message, this.hop);
    }
    // From the moment of spawn, a client that goes away kills the group and drops the output nobody will read
    // (a stalled reader would otherwise hold the pipes, and 'close' with them, forever).
    const kill = () => {
      if (child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      child.stdout?.destroy(); child.stderr?.destroy();
    };
    signal.addEventListener('abort', kill, { once: true });
    try {
      await new Promise<void>((ok, fail) => { child.once('spawn', ok); child.once('error', fail); });
    } catch (err) {
      signal.removeEventListener('abort', kill);
      throw new ExecError((err as Error).message, this.hop);
    }
    if (signal.aborted) kill(); // from a spawner, the pid comes after the spawn: an abort meanwhile found none to kill
    spec.track?.(child.pid!);
    if (streams.stdin && child.stdin) {
      child.stdin.on('error', () => { /* EPIPE: the command stopped reading, which is its right */ });
      streams.stdin.pipe(child.stdin);
    }
    // pipe() pauses the child's output while the client's side is full: backpressure end to end.
    if (streams.stdout && child.stdout) child.stdout.pipe(streams.stdout, { end: false });
    if (stderr && child.stderr) child.stderr.pipe(stderr, { end: false });
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.once('close', (c, s) => done([c, s])));
    signal.removeEventListener('abort', kill);
    if (streams.stdin && child.stdin) streams.stdin.unpipe(child.stdin);
    return sig ? { exitCode: exitCodeOf(code, sig), signal: sig } : { exitCode: exitCodeOf(code, null) };
  }
}
// #endregion exec-in-container
