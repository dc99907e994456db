// The runtime side of exec: the seam every chapter swaps (kubelet pkg/cri/streaming/remotecommand Executor.ExecInContainer).
import type { Readable, Writable } from 'node:stream';

// remotecommand.TerminalSize: Width and Height in character cells.
export interface TerminalSize { width: number; height: number }

export interface ExecStreams {
  stdin?: Readable;          // absent when the client did not ask for stdin
  stdout?: Writable;
  stderr?: Writable;         // never set together with tty (a terminal merges the two)
  tty: boolean;
  resize?: AsyncIterable<TerminalSize>;
}

// Which process to run, and where. `container` is whatever the implementation uses to find the
// container: a folder for the local executors, a container id for the runtime ones.
export interface ExecTarget { container: string; cmd: string[] }

// How the command ended. A non-zero exit is not an exception: callers turn it into the
// NonZeroExitCode Status. Failures to start (no such file, container not running) throw.
// `message` is the runtime's own text for a non-zero exit where it has one (cri-dockerd: "Error executing in
// Docker Container: N"); without it the Status says what Go's ExitError prints ("exit status N").
export interface ExecResult { exitCode: number; signal?: NodeJS.Signals; message?: string }

export interface Executor {
  // true when tty: true runs on a pseudo-terminal; false (or absent): serveExec refuses tty=true with a Status.
  supportsTTY?: boolean;
  // Resolves when the process has exited AND its output has been written to the streams.
  // Aborting the signal kills the process (group) and resolves once it is gone.
  // Implementations end stdout/stderr when the process's output ends (pipeline semantics).
  execInContainer(target: ExecTarget, streams: ExecStreams, signal: AbortSignal): Promise<ExecResult>;
}

// Thrown by an executor when the command cannot start; `hop` names who failed, for the error a user sees.
export class ExecError extends Error {
  constructor(message: string, readonly hop?: string) {
    super(hop ? `${hop}: ${message}` : message);
    this.name = 'ExecError';
  }
}
