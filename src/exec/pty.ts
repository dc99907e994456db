// Runs one command on a pseudo-terminal (node-pty): one merged output stream, raw bytes both ways, each resize applied
// with TIOCSWINSZ (runc's console socket and containerd's ResizePty play this role; docker's exec with Tty: true).
import { closeSync, constants as fsConstants, openSync, readdirSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type * as nodePty from 'node-pty';
import { awaitFirstSize } from './first-size.ts';
import { lookPath } from './look-path.ts';
import { ExecError, type ExecResult, type ExecStreams, type TerminalSize } from './executor.ts';

export interface PtyCommand {
  file: string;                  // already looked up: node-pty reports a missing file only as output and exit 1
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  track?: (pid: number) => void; // the command leads a session of its own (the pty's): told its pid
  hop?: string;                  // names this hop in errors
}

// node-pty is a native addon, loaded on the first terminal: a machine where it does not build still runs every
// exec without -t, and a terminal there fails with an error that says why (npm run doctor checks it).
let loaded: Promise<typeof nodePty> | undefined;
function loadNodePty(hop?: string): Promise<typeof nodePty> {
  loaded ??= import('node-pty');
  return loaded.catch((err: Error) => { throw new ExecError(`a terminal needs node-pty, which does not load here: ${err.message}`, hop); });
}

// Before a size arrives: the size a terminal has when nobody said otherwise (runc and docker start at 0x0 and
// let the client resize at once; a shell prompt at 0x0 wraps every character, so we start at VT100's size).
const DEFAULT_SIZE: TerminalSize = { width: 80, height: 24 };

// #region pty-executor
export async function execOnPty(cmd: PtyCommand, streams: ExecStreams, signal: AbortSignal): Promise<ExecResult> {
  const pty = await loadNodePty(cmd.hop);
  signal.throwIfAborted();
  // The first size before the command starts (first-size.ts): a command started at once would draw at 80x24.
  const { first, rest } = await awaitFirstSize(streams.resize);
  const size = first ?? DEFAULT_SIZE;
  signal.throwIfAborted();

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(cmd.env)) if (v !== undefined) env[k] = v;
  // node-pty forks a session leader whose controlling terminal is the pty's slave side: Ctrl-C typed into the
  // terminal is a SIGINT to the foreground process group, and the command's whole session can be killed as one.
  let term: nodePty.IPty;
  try {
    term = pty.spawn(cmd.file, cmd.args, { name: env.TERM ?? 'xterm', cols: size.width, rows: size.height, cwd: cmd.cwd, env, encoding: null });
  } catch (err) {
    throw new ExecError(`exec: "${cmd.file}": ${(err as Error).message}`, cmd.hop);
  }
  const kill = () => killSession(term.pid);
  signal.addEventListener('abort', kill, { once: true });
  cmd.track?.(term.pid);
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => term.onExit(resolve));

  const output = pumpOutput(term, streams.stdout);
  const stopInput = streams.stdin ? pumpInput(term, streams.stdin) : () => {};
  // Resizes until the session ends (the session ends the queue); the latest size wins.
  void (async () => {
    for await (const z of rest) {
      try { term.resize(Math.max(1, z.width), Math.max(1, z.height)); } catch { /* exited meanwhile */ }
    }
  })().catch(() => {});

  try {
    const { exitCode, signal: n } = await exited;
    await output;
    if (n) {
      const name = Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined;
      return { exitCode: 128 + n, signal: name };
    }
    return { exitCode };
  } finally {
    signal.removeEventListener('abort', kill);
    stopInput();
  }
}
// #endregion pty-executor

// A client that leaves ends the whole session: an interactive shell runs each job in a process group of its own,
// all of them in the session the terminal's first process leads (sid = its pid).
function killSession(sid: number): void {
  try { process.kill(-sid, 'SIGKILL'); } catch { /* gone */ }
  let pids: string[] = [];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return; } // no /proc: the group is all
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) === sid) process.kill(Number(pid), 'SIGKILL');
    } catch { /* gone meanwhile */ }
  }
}

// The terminal's output to the client: pausing the pty while the client is full blocks the program in write(2).
// Linux drops what the master side has not read yet once the last holder of the slave side closes it, and node-pty
// destroys its socket 200 ms after the program exits: either way a slow client lost the last screenful. So we hold
// the slave open ourselves, and node-pty's destroy only tells us the program has exited: then we read on, unpaused
// (what is left is one pty buffer), until a turn of the loop brings nothing, and only then let the slave go.
export function pumpOutput(term: nodePty.IPty, out: Writable | undefined): Promise<void> {
  const socket = (term as unknown as { _socket?: Readable & { destroy(err?: Error): unknown } })._socket;
  let slave: number | undefined;
  try { slave = openSync((term as unknown as { ptsName: string }).ptsName, fsConstants.O_RDWR | fsConstants.O_NOCTTY); } catch { /* gone already */ }
  const release = () => { if (slave !== undefined) { try { closeSync(slave); } catch { /* closed */ } slave = undefined; } };
  let draining = false;
  let fresh = false; // data since the last turn of the loop
  if (socket) {
    const destroy = socket.destroy.bind(socket);
    socket.destroy = (err?: Error) => {
      if (err || draining) { release(); return destroy(err); }
      draining = true;
      socket.once('close', release);
      // Nothing read in one whole turn of the loop (libuv reads until EAGAIN in its poll phase): the buffer is empty.
      // Then the slave goes, the kernel answers EIO, the socket closes, and node-pty reports the exit.
      // A process left in the background that still holds the terminal: node-pty's own 200 ms, then the socket goes.
      const check = () => {
        if (socket.destroyed) return;
        if (fresh) { fresh = false; setImmediate(check); return; }
        release();
        setTimeout(() => { if (!socket.destroyed) destroy(); }, 200).unref();
      };
      term.resume();
      fresh = true;
      setImmediate(check);
      return socket;
    };
  }
  term.onData((data: string | Buffer) => {
    fresh = true;
    if (!out || out.destroyed) return;
    if (!out.write(data) && !draining) {
      term.pause();
      out.once('drain', () => term.resume());
    }
  });
  return new Promise((resolve) => {
    term.onExit(() => {
      release();
      if (!out || out.destroyed || out.writableEnded) return resolve();
      out.write(Buffer.alloc(0), () => resolve()); // after every earlier write
    });
  });
}

// The client's keystrokes (or paste) to the terminal. node-pty queues what the pty cannot take yet, without limit;
// while that queue is long, the client's stream is paused, which pauses the socket behind it.
function pumpInput(term: nodePty.IPty, input: Readable): () => void {
  const queued = () => (term as unknown as { _writeStream?: { _writeQueue?: unknown[] } })._writeStream?._writeQueue?.length ?? 0;
  let poll: NodeJS.Timeout | undefined;
  const onData = (chunk: Buffer) => {
    term.write(chunk);
    if (queued() > 8 && !poll) {
      input.pause();
      poll = setInterval(() => { if (queued() === 0) { clearInterval(poll); poll = undefined; input.resume(); } }, 5);
    }
  };
  // A terminal has no half-close: end of input is the EOF character (Ctrl-D), which a shell or cat reads as the end.
  const onEnd = () => { try { term.write('\x04'); } catch { /* exited */ } };
  input.on('data', onData);
  input.once('end', onEnd);
  input.on('error', () => {});
  return () => {
    clearInterval(poll);
    input.removeListener('data', onData);
    input.removeListener('end', onEnd);
  };
}
