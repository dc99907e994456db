// What a hijacked exec or attach connection carries (moby daemon/exec.go + container/stream/attach.go): raw stdin
// from the client to the process, its stdout and stderr back, framed by stdcopy unless there is a terminal.
import { finished, type Duplex, type Readable, type Writable } from 'node:stream';
import { encodeFrame, StdType } from './stdcopy.ts';
import type { OutputSink } from './daemon.ts';
import { EscapeProxy } from './escape-proxy.ts';

// An output sink on a hijacked connection: frames (or raw bytes, with a terminal), with the socket's backpressure.
export function socketSink(socket: Duplex, tty: boolean, want: { stdout: boolean; stderr: boolean }): OutputSink {
  return {
    write(stream, chunk) {
      if (!want[stream] || socket.destroyed) return true;
      return socket.write(tty ? chunk : encodeFrame(stream === 'stdout' ? StdType.stdout : StdType.stderr, chunk));
    },
    onDrain(resume) {
      const go = () => { socket.off('drain', go); socket.off('close', go); resume(); };
      socket.on('drain', go);
      socket.on('close', go); // a client gone never drains: stop holding the output for it
    },
    end() { if (!socket.destroyed) socket.end(); },
  };
}

// A stream read to its end (or failed, or destroyed): what we wait for before closing a connection it feeds.
export const drained = (s: Readable | undefined): Promise<void> => (s ? new Promise((r) => finished(s, () => r())) : Promise.resolve());

// #region exec-stream
// Copies one exec's streams over its connection until the process has ended and all its output is written, then
// closes our side. Stdin: bytes after the request body, then the socket's; the client's half-close (CloseWrite)
// ends the process's stdin. A client that goes away stops the copy and ends stdin; the process goes on, blocked
// once its output pipe is full, as under dockerd, until it ends or its container stops.
// With a terminal (attach.go's copyEscapable): stdin passes through the detach keys, and the keys, or the end of
// the client's input, end the connection while the process goes on (its stdin is never closed: a terminal's input
// has no end but ^D); what it writes after that is read and dropped.
export function pumpExec(socket: Duplex, proc: { stdin?: Writable; stdout: Readable; stderr?: Readable; exited: Promise<unknown> },
  opts: { tty: boolean; stdout: boolean; stderr: boolean; rest: Buffer; detachKeys?: Buffer }): Promise<void> {
  const sink = socketSink(socket, opts.tty, { stdout: opts.stdout, stderr: opts.stderr });
  const sources = [['stdout', proc.stdout], ['stderr', proc.stderr]] as ['stdout' | 'stderr', Readable | undefined][];
  let blocked = 0;
  let stopped = false;   // the client is gone: a drain wait that ends with its close must not restart the copy
  const resume = () => { if (--blocked === 0 && !stopped) for (const [, s] of sources) s?.resume(); };
  for (const [stream, source] of sources) {
    source?.on('data', (chunk: Buffer) => {
      if (!sink.write(stream, chunk)) { blocked++; for (const [, s] of sources) s?.pause(); sink.onDrain(resume); }
    });
  }
  let detach: () => void = () => {};
  const detached = new Promise<void>((resolve) => { detach = resolve; });
  const stdin = proc.stdin;
  if (stdin && opts.tty) {
    stdin.on('error', () => { /* the process exited */ });
    const proxy = new EscapeProxy(opts.detachKeys);
    const feed = (chunk: Buffer) => {
      const { data, detach: leave } = proxy.push(chunk);
      if (data.length && !stdin.write(data)) { socket.pause(); stdin.once('drain', () => socket.resume()); }
      if (leave) detach();
    };
    if (opts.rest.length) feed(opts.rest);
    socket.on('data', feed);
    socket.once('end', () => detach());
  } else if (stdin) {
    stdin.on('error', () => { /* the process closed its stdin or exited */ });
    if (opts.rest.length) stdin.write(opts.rest);
    socket.pipe(stdin); // ends stdin at the client's FIN
  } else {
    socket.on('data', () => { /* no stdin attached: drop what the client sends */ });
  }
  socket.resume();
  // Stop copying to this client: the process's output is read and dropped from now on, so it never blocks on it.
  const letGo = () => {
    for (const [, s] of sources) { s?.removeAllListeners('data'); s?.on('data', () => {}); s?.resume(); }
  };
  const gone = () => {
    if (opts.tty) { letGo(); return; }
    stopped = true;
    for (const [, s] of sources) { s?.removeAllListeners('data'); s?.pause(); }
    stdin?.end();
  };
  socket.once('close', gone);
  // The exit code is recorded when `exited` resolves (ExecStore), so it is there before the client sees our end.
  const ended = Promise.all([proc.exited, drained(proc.stdout), drained(proc.stderr)]).then(() => 'ended' as const);
  return Promise.race([ended, detached.then(() => 'detached' as const)]).then((why) => {
    socket.off('close', gone);
    if (why === 'detached') { letGo(); socket.removeAllListeners('data'); socket.on('data', () => {}); }
    sink.end();
  });
}
// #endregion exec-stream
