// What a hijacked exec or attach connection carries (moby daemon/exec.go + container/stream/attach.go): raw stdin
// from the client to the process, its stdout and stderr back, framed by stdcopy unless there is a terminal.
import type { Duplex, Readable, Writable } from 'node:stream';
import { encodeFrame, StdType } from './stdcopy.ts';
import type { OutputSink } from './daemon.ts';

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

// #region exec-stream
// Copies one exec's streams over its connection until the process has ended and all its output is written, then
// closes our side. Stdin: bytes after the request body, then the socket's; the client's half-close (CloseWrite)
// ends the process's stdin. A client that goes away stops the copy: the process's output pipes are closed
// (it gets EPIPE, as with a closed attach in dockerd) and nothing in the engine waits on it.
export function pumpExec(socket: Duplex, proc: { stdin?: Writable; stdout: Readable; stderr?: Readable; exited: Promise<unknown> },
  opts: { tty: boolean; stdout: boolean; stderr: boolean; rest: Buffer }): Promise<void> {
  const sink = socketSink(socket, opts.tty, { stdout: opts.stdout, stderr: opts.stderr });
  const sources = [['stdout', proc.stdout], ['stderr', proc.stderr]] as ['stdout' | 'stderr', Readable | undefined][];
  let blocked = 0;
  const resume = () => { if (--blocked === 0) for (const [, s] of sources) s?.resume(); };
  for (const [stream, source] of sources) {
    source?.on('data', (chunk: Buffer) => {
      if (!sink.write(stream, chunk)) { blocked++; for (const [, s] of sources) s?.pause(); sink.onDrain(resume); }
    });
  }
  const stdin = proc.stdin;
  if (stdin) {
    stdin.on('error', () => { /* the process closed its stdin or exited */ });
    if (opts.rest.length) stdin.write(opts.rest);
    socket.pipe(stdin); // ends stdin at the client's FIN
  } else {
    socket.on('data', () => { /* no stdin attached: drop what the client sends */ });
    socket.resume();
  }
  socket.resume();
  const gone = () => {
    for (const [, s] of sources) if (s && !s.readableEnded) s.destroy();
    stdin?.destroy();
  };
  socket.once('close', gone);
  return proc.exited.then(() => {
    socket.off('close', gone);
    sink.end();
  });
}
// #endregion exec-stream
