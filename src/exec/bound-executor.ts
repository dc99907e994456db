// An executor whose sessions end when their container stops: what a container's pid namespace does to its exec
// processes (the kernel kills them with its init), done by hand where containers have no namespace of their own.
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
    try {
      // Either way the inner executor kills the command's process group: the client left, or the container stopped
      // (then the command ends as SIGKILL does, exit code 137, and the client hears that on the error channel).
      return await this.inner.execInContainer(target, streams, AbortSignal.any([signal, this.stopped(target, done.signal)]));
    } finally {
      done.abort();
    }
  }
}
// #endregion bound-executor
