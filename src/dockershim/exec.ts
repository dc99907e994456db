// Exec in a container through the engine's exec API: create, start hijacked, copy, inspect for the exit code
// (cri-dockerd core/exec.go NativeExecHandler.ExecInContainer, and dockerService.ExecSync).
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { deadlineExceeded } from '../cri/grpc-status.ts';
import { StdDemuxer } from '../engine/stdcopy.ts';
import { awaitFirstSize } from '../exec/first-size.ts';
import { ExecError, type ExecResult, type ExecStreams, type ExecTarget, type Executor } from '../exec/executor.ts';
import { CappedBuffer, MAX_EXEC_SYNC_OUTPUT } from '../shim/exec-sync.ts';
import type { Libdocker } from './libdocker.ts';

const INSPECT_TRIES = 5;

export interface NativeExecOptions {
  hop: string;                       // "runtime shim node-1", in errors
  inspectIntervalMs?: number;        // cri-dockerd: 2 s between tries; the first try almost always answers
  log?: (line: string) => void;
}

function killGroup(pid: number): void {
  try { process.kill(-pid, 'SIGKILL'); } catch {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
  }
}

// Writes `chunk` and pauses `from` until the writer drains: a slow client slows the engine's stream.
function writeWithBackpressure(to: Writable, chunk: Buffer, from: Socket): void {
  if (!to.write(chunk)) {
    from.pause();
    to.once('drain', () => from.resume());
  }
}

export class NativeExecHandler implements Executor {
  // Terminals: the engine gives the exec one (Tty), its size follows the resize channel.
  readonly supportsTTY = true;

  constructor(private readonly docker: Libdocker, private readonly opts: NativeExecOptions) {}

  // #region exec-in-container
  async execInContainer(target: ExecTarget, streams: ExecStreams, signal: AbortSignal): Promise<ExecResult> {
    const { hop } = this.opts;
    // streamingRuntime.exec checks again: the token may be used up to a minute after the CRI Exec call.
    const container = await this.docker.inspectContainer(target.container).catch((err: Error) => { throw new ExecError(err.message, hop); });
    if (!container.State.Running) throw new ExecError(`container not running (${container.Id})`, hop);

    // 0. With a terminal, its first size: kubectl sends it right after the upgrade, before any keystroke
    // (kubernetes#47990); waiting briefly for it lets the process start at that size (ConsoleSize), not 80x24.
    const { first, rest } = await awaitFirstSize(streams.tty ? streams.resize : undefined);
    const consoleSize = first && first.width >= 1 && first.height >= 1 ? { ConsoleSize: [first.height, first.width] as [number, number] } : {};
    signal.throwIfAborted();

    // 1. POST /containers/{id}/exec: the process is described, not started. Attach* say which streams it gets.
    let execId: string;
    try {
      execId = await this.docker.createExec(container.Id, {
        Cmd: target.cmd, AttachStdin: !!streams.stdin, AttachStdout: !!streams.stdout, AttachStderr: !!streams.stderr, Tty: streams.tty,
        ...consoleSize,
      });
    } catch (err) {
      throw new ExecError(`failed to exec in container - Exec setup failed - ${(err as Error).message}`, hop);
    }
    signal.throwIfAborted();

    // 2. POST /exec/{id}/start with Upgrade: tcp: the engine starts the process and the connection becomes its streams.
    const { socket: conn, head } = await this.docker.startExec(execId, { Detach: false, Tty: streams.tty, ...consoleSize })
      .catch((err: Error) => { throw new ExecError(err.message, hop); });
    // The session ended (client gone, pod deleted): close the hijacked connection. That alone ends nothing in
    // dockerd (since 1.12 its router starts execs with context.Background()): the inspect loop below ends it.
    const abort = () => conn.destroy();
    signal.addEventListener('abort', abort, { once: true });
    conn.on('error', () => { /* a reset engine ends the copy; the inspect below reports why */ });

    // 3. Resize events, once started; a 0 size is skipped as kubecontainer.HandleResizing does.
    if (streams.tty && streams.resize) void this.forwardResize(execId, rest, signal);

    // 4. Copy: the engine's output to stdout/stderr (demultiplexed unless a tty), stdin to the engine, then CloseWrite.
    try {
      await this.copy(conn, head, streams);
    } finally {
      signal.removeEventListener('abort', abort);
      streams.stdin?.unpipe(conn);
      conn.destroy();
    }

    // 5. GET /exec/{id}/json until the process is no longer running: the exit code needs this third request.
    return this.exitCode(execId, container.Id, signal);
  }
  // #endregion exec-in-container

  private copy(conn: Socket, head: Buffer, streams: ExecStreams): Promise<void> {
    return new Promise<void>((resolve) => {
      const demux = streams.tty ? undefined : new StdDemuxer();
      const onData = (chunk: Buffer) => {
        if (!demux) { if (streams.stdout) writeWithBackpressure(streams.stdout, chunk, conn); return; }
        let frames;
        try { frames = demux.push(chunk); } catch (err) {
          // The engine's own error in the stream (systemerr), or garbage: say so on stderr and stop copying.
          (streams.stderr ?? streams.stdout)?.write(`${(err as Error).message}\n`);
          conn.destroy();
          return;
        }
        for (const f of frames) {
          const to = f.stream === 2 ? streams.stderr : streams.stdout;
          if (to && f.payload.length) writeWithBackpressure(to, f.payload, conn);
        }
      };
      if (head.length) onData(head);
      conn.on('data', onData);
      conn.once('close', () => resolve());
      conn.once('end', () => resolve());
      if (streams.stdin) {
        streams.stdin.pipe(conn, { end: false });
        // CloseWrite: the engine sees EOF and closes the process's stdin; its output still flows back.
        streams.stdin.once('end', () => { if (!conn.destroyed) conn.end(); });
      }
    });
  }

  private async forwardResize(execId: string, resize: AsyncIterable<{ width: number; height: number }>, signal: AbortSignal): Promise<void> {
    try {
      for await (const size of resize) {
        if (signal.aborted) return;
        if (size.width < 1 || size.height < 1) continue;
        await this.docker.resizeExecTTY(execId, size.height, size.width).catch((err: Error) => this.opts.log?.(`resize exec ${execId.slice(0, 12)}: ${err.message}`));
      }
    } catch { /* the resize stream ended with the session */ }
  }

  private async exitCode(execId: string, containerId: string, signal: AbortSignal): Promise<ExecResult> {
    const interval = this.opts.inspectIntervalMs ?? 2000;
    for (let count = 1; ; count++) {
      const inspect = await this.docker.inspectExec(execId).catch((err: Error) => { throw new ExecError(err.message, this.opts.hop); });
      if (!inspect.Running) {
        const code = inspect.ExitCode ?? 0;
        // dockerExitError: its text is what kubectl shows after "command terminated with non-zero exit code: ".
        return code === 0 ? { exitCode: 0 } : { exitCode: code, message: `Error executing in Docker Container: ${code}` };
      }
      // An aborted session whose process outlived its connection. Upstream it keeps running: dockerd ignores a
      // client that leaves (its router starts execs with context.Background()), and so does cri-dockerd, which
      // only stops asking after 5 tries. Ours ends it, as every earlier chapter's runtime does. The engine's API
      // has no exec kill, so the shim, on the same node, signals where the engine says it runs: its process group
      // (the engine starts each exec leading one, and nsenter's child in the container's pid namespace is in it).
      if (signal.aborted && inspect.Pid > 0) killGroup(inspect.Pid);
      if (count === INSPECT_TRIES) {
        this.opts.log?.(`Exec session ${execId} in container ${containerId} terminated but process still running!`);
        return { exitCode: 0 };
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

// ExecSync: the same handler with capped buffers, no stdin, no tty; a timeout becomes DEADLINE_EXCEEDED
// (the kubelet's remote runtime expects that code), and the exec is ended with its connection.
export async function execSyncThroughEngine(handler: Executor, containerId: string, cmd: string[], timeoutSeconds: number, cap = MAX_EXEC_SYNC_OUTPUT): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }> {
  const out = new CappedBuffer(cap);
  const err = new CappedBuffer(cap);
  const sink = (s: CappedBuffer) => new Writable({ write(chunk: Buffer, _enc, cb) { s.push(chunk); cb(); } });
  const ac = new AbortController();
  let timedOut = false;
  const timer = timeoutSeconds > 0 ? setTimeout(() => { timedOut = true; ac.abort(); }, timeoutSeconds * 1000) : undefined;
  try {
    const res = await handler.execInContainer({ container: containerId, cmd }, { stdout: sink(out), stderr: sink(err), tty: false }, ac.signal);
    if (timedOut) throw deadlineExceeded('context deadline exceeded');
    return { stdout: out.value, stderr: err.value, exitCode: res.exitCode };
  } catch (e) {
    if (timedOut) throw deadlineExceeded('context deadline exceeded');
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
