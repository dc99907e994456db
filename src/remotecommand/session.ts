// One exec session's logic, without the socket: channels to streams, stdin EOF, resize, the result as a Status (kubelet cri/streaming/remotecommand/websocket.go createWebSocketStreams, wsstream.Conn's channel handling).
import { PassThrough, Writable } from 'node:stream';
import type { Status } from '../api/status.ts';
import { ExecError, type ExecStreams, type ExecTarget, type Executor, type TerminalSize } from '../exec/executor.ts';
import { Channel, type ProtocolInfo } from './protocols.ts';
import { decodeMessage, encodeMessageParts, ProtocolError, ResizeDecoder, type MessageParts } from './codec.ts';
import { encodeStatus, internalErrorStatus, nonZeroExitStatus, successStatus } from './status.ts';

export interface StreamOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

// What the session needs from its transport: send a message (cb once it is handed to the socket; parts make one
// binary message, in order), how much is queued, and flow control for what the client sends.
export interface MessageTransport {
  send(message: Uint8Array | string | MessageParts, cb: (err?: Error) => void): void;
  bufferedAmount(): number;
  pauseInput(): void;
  resumeInput(): void;
}

// Above this much queued output we stop taking the process's output until the socket drains.
export const OUTPUT_HIGH_WATER = 1 << 20;

// A client may send bad messages as fast as it can: the first few are logged, the rest only counted
// (one line per message let a single client write 20 MB of log).
export const LOGGED_DROPS = 5;

export class ExecSession {
  readonly streams: ExecStreams;
  private readonly stdin?: PassThrough;
  private readonly resize = new SizeQueue();
  private readonly resizeDecoder = new ResizeDecoder();
  private resizeBroken = false;
  private dropped = 0;
  private lost?: Error;   // the first failed send: the client is gone, output has nowhere to go

  constructor(
    readonly protocol: ProtocolInfo,
    readonly options: StreamOptions,
    private readonly transport: MessageTransport,
    private readonly log: (line: string) => void = () => {},
  ) {
    if (options.stdin) this.stdin = new PassThrough({ highWaterMark: 64 * 1024 });
    this.streams = {
      stdin: this.stdin,
      stdout: options.stdout ? this.channelWriter(Channel.stdout) : undefined,
      stderr: options.stderr && !options.tty ? this.channelWriter(Channel.stderr) : undefined,
      tty: options.tty,
      resize: options.tty ? this.resize : undefined,
    };
  }

  // #region handshake
  // One empty message on the lowest channel we will write, before anything else: it tells the
  // client which channels are live (the kubelet and the API server's StreamTranslator both send
  // it). They send it right after the 101; we send it just before the first output or the Status.
  // Why later: client-go starts reading before it has registered its streams, so a message that
  // arrives with the 101 is dropped with "Unknown stream id 1, discarding message" on stderr.
  private greeted = false;
  private greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    const first = this.options.stdout ? Channel.stdout : this.options.stderr && !this.options.tty ? Channel.stderr : Channel.error;
    this.transport.send(encodeMessageParts(this.protocol, first, new Uint8Array()), () => {});
  }
  // #endregion handshake

  // #region receive
  // One message from the client. Throws ProtocolError only for what ends the session
  // (a malformed close signal); a bad frame is dropped with a log line.
  receive(message: Uint8Array | string, isBinary: boolean): void {
    let decoded;
    try { decoded = decodeMessage(this.protocol, message, isBinary); } catch (err) {
      if (err instanceof ProtocolError && err.fatal) throw err;
      if (++this.dropped <= LOGGED_DROPS) this.log(`dropped a message: ${(err as Error).message}${this.dropped === LOGGED_DROPS ? ' (further drops are counted, not logged)' : ''}`);
      return;
    }
    if (decoded.kind === 'close') {
      if (decoded.channel === Channel.stdin) this.stdin?.end(); // stdin EOF: cat ends
      return;
    }
    switch (decoded.channel) {
      case Channel.stdin:
        if (!this.stdin || this.stdin.writableEnded || this.stdin.destroyed || decoded.data.byteLength === 0) return;
        // A full stdin (the process is not reading) stops reading the socket: TCP pushes back.
        if (!this.stdin.write(decoded.data)) {
          this.transport.pauseInput();
          this.stdin.once('drain', () => this.transport.resumeInput());
        }
        return;
      case Channel.resize:
        if (this.resizeBroken) return;
        try {
          for (const size of this.resizeDecoder.push(decoded.data)) if (this.options.tty) this.resize.push(size);
        } catch (err) {
          // Like the Go decoder loop: a bad resize stream stops resizing, not the command.
          this.resizeBroken = true;
          this.log(`resize stream ignored from now on: ${(err as Error).message}`);
        }
        return;
      default:
        return; // stdout/stderr/error are ours to write; unknown channels are dropped
    }
  }
  // #endregion receive

  // #region run
  // Runs the command and returns the Status for channel 3: Success, NonZeroExitCode, or an
  // InternalError when it could not run at all (ServeExec's three cases).
  async run(executor: Executor, target: ExecTarget, signal: AbortSignal): Promise<Status> {
    try {
      return await execStatus(executor, target, this.streams, signal);
    } finally {
      this.stdin?.destroy();
      this.resize.end();
    }
  }

  // Once the connection is over: the count of drops that were not logged, in one line.
  close(): void {
    if (this.dropped > LOGGED_DROPS) this.log(`dropped ${this.dropped - LOGGED_DROPS} more messages (${this.dropped} in all)`);
    this.dropped = 0;
  }

  // The Status goes last, after every output message (the transport keeps order).
  sendStatus(status: Status): Promise<void> {
    this.greet();
    const bytes = encodeStatus(this.protocol, status);
    if (!bytes) return Promise.resolve();
    return new Promise((resolve) => this.transport.send(encodeMessageParts(this.protocol, Channel.error, bytes), () => resolve()));
  }
  // #endregion run

  // #region output
  // The process's output, as a Writable: each chunk becomes one message (the chunk itself behind its channel
  // byte, never copied: the transport frames the two parts). While the socket has
  // more than OUTPUT_HIGH_WATER queued, the callback waits for the send, so pipeline() stops
  // reading the process (which then blocks in write): memory stays flat with a slow client.
  // A send that fails means the client is gone. The writer then swallows what follows instead of
  // failing: an 'error' here would reach whatever pipes the process into it, and a plain pipe()
  // with no listener turns it into a crash of the whole component. Ending the command is the
  // transport's job: its close aborts the executor, which kills the process.
  private channelWriter(channel: number): Writable {
    const writer = new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _enc, cb) => {
        if (this.lost) return cb();
        this.greet();
        const wait = this.transport.bufferedAmount() >= OUTPUT_HIGH_WATER;
        this.transport.send(encodeMessageParts(this.protocol, channel, chunk), (err) => {
          if (err && !this.lost) {
            this.lost = err;
            this.log(`output dropped from now on, the client is gone: ${err.message}`);
          }
          if (wait) cb();
        });
        if (!wait) cb();
      },
    });
    // Nobody else owns this stream's errors (an executor may destroy it with one): never unhandled.
    writer.on('error', (err) => this.log(`output stream: ${err.message}`));
    return writer;
  }
  // #endregion output
}

// #region exec-status
// ServeExec's three cases, whatever the transport (WebSocket here, SPDY in spdy-serve-exec.ts): Success, NonZeroExitCode
// (the process ran and exited), or an InternalError when it could not run at all.
export async function execStatus(executor: Executor, target: ExecTarget, streams: ExecStreams, signal: AbortSignal): Promise<Status> {
  try {
    const { exitCode, signal: sig, message } = await executor.execInContainer(target, streams, signal);
    if (exitCode === 0) return successStatus();
    return nonZeroExitStatus(exitCode, message ?? (sig ? `signal: ${signalText(sig)}` : `exit status ${exitCode}`));
  } catch (err) {
    const why = err instanceof ExecError || err instanceof Error ? err.message : String(err);
    return internalErrorStatus(new Error(`error executing command in container: ${why}`));
  }
}
// #endregion exec-status

function signalText(sig: NodeJS.Signals): string {
  const words: Partial<Record<NodeJS.Signals, string>> = { SIGKILL: 'killed', SIGTERM: 'terminated', SIGINT: 'interrupt', SIGSEGV: 'segmentation fault', SIGPIPE: 'broken pipe', SIGHUP: 'hangup', SIGABRT: 'aborted' };
  return words[sig] ?? sig;
}

// Terminal sizes for the executor: the latest size wins when the consumer is slower than the
// client (a burst of SIGWINCH needs only the last one), so the queue holds at most one. Both transports use it.
export class SizeQueue implements AsyncIterable<TerminalSize> {
  private latest: TerminalSize | undefined;
  private ended = false;
  private wake: (() => void) | undefined;

  push(size: TerminalSize): void {
    if (size.width < 1 || size.height < 1) return; // cri-dockerd ignores empty sizes too
    this.latest = size;
    this.wake?.();
  }
  end(): void { this.ended = true; this.wake?.(); }

  async *[Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    for (;;) {
      if (this.latest) { const s = this.latest; this.latest = undefined; yield s; continue; }
      if (this.ended) return;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = undefined;
    }
  }
}
