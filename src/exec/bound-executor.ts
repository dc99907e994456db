// An executor whose sessions end when their container stops: what a container's pid namespace does to its exec
// processes (the kernel kills them with its init), done by hand where containers have no namespace of their own.
import { setMaxListeners } from 'node:events';
import type { ExecResult, ExecStreams, ExecTarget, Executor } from './executor.ts';

// Answers a signal that fires when the target's container stops. `sessionDone` fires when the session ends,
// so whoever watches the container can stop watching.
export type ContainerStopped = (target: ExecTarget, sessionDone: AbortSignal) => AbortSignal;

// #region bound-executor
export class ContainerBoundExecutor implements Executor {
  constructor(private readonly inner: Executor, private readonly stopped: ContainerStopped) {}

  get supportsTTY(): boolean | undefined { return this.inner.supportsTTY; }

  async execInContainer(target: ExecTarget, streams: ExecStreams, signal: AbortSignal): Promise<ExecResult> {
    const done = new AbortController();
    const either = new AbortController();
    const stopped = this.stopped(target, done.signal);
    // One listener per concurrent session is the design, not a leak: without this, the 11th session at once made
    // Node print a MaxListenersExceededWarning with a stack trace (each burst again, on each new container signal).
    setMaxListeners(0, stopped);
    // Either way the inner executor kills the command's process group: the client left, or the container stopped
    // (then the command ends as SIGKILL does, exit code 137, and the client hears that on the error channel).
    // Listeners by hand, removed when the session ends: a container's signal lives long and sees many sessions.
    const abort = () => either.abort();
    for (const s of [signal, stopped]) {
      if (s.aborted) either.abort();
      else s.addEventListener('abort', abort, { once: true });
    }
    try {
      return await this.inner.execInContainer(target, streams, either.signal);
    } finally {
      signal.removeEventListener('abort', abort);
      stopped.removeEventListener('abort', abort);
      done.abort();
    }
  }
}
// #endregion bound-executor
