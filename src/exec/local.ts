// LocalExecutor: runs the argv on this host in its own process group, piped and bounded (the role of dockershim's NativeExecHandler.ExecInContainer).
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { ExecError, type ExecResult, type ExecStreams, type ExecTarget, type Executor } from './executor.ts';
import { lookPath } from './look-path.ts';
import { execOnPty } from './pty.ts';

export interface LocalExecutorOptions {
  env?: NodeJS.ProcessEnv;  // the process environment (default: an empty PATH-only environment)
  hop?: string;             // names this hop in errors ("apiserver", "kubelet node-1")
  track?: (pid: number) => void; // told each command's pid (its own session), to end it with its container
}

const defaultEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

export class LocalExecutor implements Executor {
  // tty: true runs the command on a pseudo-terminal (exec/pty.ts); otherwise on pipes.
  readonly supportsTTY = true;

  constructor(private readonly opts: LocalExecutorOptions = {}) {}

  // #region exec
  async execInContainer(target: ExecTarget, streams: ExecStreams, signal: AbortSignal): Promise<ExecResult> {
    const [file, ...args] = target.cmd;
    if (!file) throw new ExecError('no command given', this.opts.hop);
    signal.throwIfAborted();
    const dir = await stat(target.container).catch(() => null);
    if (!dir?.isDirectory()) throw new ExecError(`container folder ${target.container} does not exist`, this.opts.hop);
    signal.throwIfAborted(); // the client may have left while we looked
    if (streams.tty) {
      const env = this.opts.env ?? defaultEnv;
      const path = lookPath(file, env, target.container);
      if (!path) throw new ExecError(notFound(file), this.opts.hop);
      return execOnPty({ file: path, args, cwd: target.container, env, track: this.opts.track, hop: this.opts.hop }, streams, signal);
    }

    // Own process group (detached), so the whole group can be killed when the client goes away.
    const child = spawn(file, args, {
      cwd: target.container,
      env: this.opts.env ?? defaultEnv,
      detached: true,
      stdio: [streams.stdin ? 'pipe' : 'ignore', streams.stdout ? 'pipe' : 'ignore', streams.stderr ? 'pipe' : 'ignore'],
    });
    // From the moment of spawn (which returns once the command has been exec'd in its own group), a client
    // that goes away kills it, and drops the output nobody will read (a stalled reader would otherwise
    // hold the pipes, and 'close' with them, forever).
    const kill = () => { killGroup(child); child.stdout?.destroy(); child.stderr?.destroy(); };
    signal.addEventListener('abort', kill, { once: true });
    try {
      await spawned(child, file, this.opts.hop);
      this.opts.track?.(child.pid!);
      const exited = exitOf(child);
      // pipeline(): bounded both ways; a slow reader pauses the process's output and a full
      // stdin pauses the client. Output pipelines end the caller's streams when the output ends.
      const outputs = [
        copy(child.stdout, streams.stdout),
        copy(child.stderr, streams.stderr),
      ];
      if (streams.stdin && child.stdin) {
        // The process may exit without reading its stdin (EPIPE): that is not an error of the exec.
        pipeline(streams.stdin, child.stdin).catch(() => {});
        exited.then(() => streams.stdin?.unpipe(child.stdin!)).catch(() => {});
      }
      const result = await exited;
      await Promise.all(outputs);
      return result;
    } finally {
      signal.removeEventListener('abort', kill);
    }
  }
  // #endregion exec
}

function copy(from: Readable | null, to: Writable | undefined): Promise<void> {
  if (!from || !to) return Promise.resolve();
  return pipeline(from, to).catch(() => { from.destroy(); });
}

// Resolves once the process is running, or rejects with the runtime's words for "cannot start".
function spawned(child: ChildProcess, file: string, hop?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(new ExecError(notFound(file), hop));
      } else if (err.code === 'EACCES') {
        reject(new ExecError(`exec: "${file}": permission denied`, hop));
      } else reject(new ExecError(`exec: "${file}": ${err.message}`, hop));
    });
  });
}

function notFound(file: string): string {
  return file.includes('/') ? `exec: "${file}": stat ${file}: no such file or directory` : `exec: "${file}": executable file not found in $PATH`;
}

// #region exit
// 'close' (not 'exit'): the process has exited AND its stdio pipes are drained. A signal becomes
// 128+n, as a shell reports it (SIGKILL → 137).
function exitOf(child: ChildProcess): Promise<ExecResult> {
  return new Promise((resolve) => {
    child.once('close', (code, sig) => {
      if (sig) resolve({ exitCode: 128 + (osConstants.signals[sig] ?? 0), signal: sig });
      else resolve({ exitCode: code ?? 0 });
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  // SIGKILL at once: simple and certain; the exec's client is already gone.
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
}
// #endregion exit
