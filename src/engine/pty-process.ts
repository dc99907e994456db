// A host process on a pseudo-terminal (node-pty), for the process backend: one output stream, raw bytes both ways,
// resizes with TIOCSWINSZ (the namespaces backend's terminals come from the container's own devpts: linux/console.ts).
import { constants as osConstants } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import type * as nodePty from 'node-pty';
import type { ExitStatus } from './backend.ts';
import type { TerminalSize } from '../exec/executor.ts';
import { pumpOutput } from '../exec/pty.ts';

// node-pty is a native addon, loaded with the first terminal: a machine where it does not build still runs every
// process without one, and a terminal there fails saying why.
let loaded: Promise<typeof nodePty> | undefined;
function loadNodePty(): Promise<typeof nodePty> {
  loaded ??= import('node-pty');
  return loaded.catch((err: Error) => { throw new Error(`a terminal needs node-pty, which does not load here: ${err.message}`); });
}

export interface PtyProcess {
  pid: number;                    // the process node-pty started (the session leader)
  stdin: Writable;
  stdout: PassThrough;
  exit: Promise<ExitStatus>;      // once it has exited and its output has been read from the terminal
  resize(size: TerminalSize): void;
}

// A VT100's size until the client says otherwise (a shell at 0x0 wraps every character).
const defaultSize: TerminalSize = { width: 80, height: 24 };

export async function spawnOnPty(argv: string[], env: Record<string, string>, size?: TerminalSize, cwd = '/'): Promise<PtyProcess> {
  const pty = await loadNodePty();
  const s = size ?? defaultSize;
  const term = pty.spawn(argv[0]!, argv.slice(1), {
    name: env.TERM ?? 'xterm', cols: Math.max(1, s.width), rows: Math.max(1, s.height), cwd, env, encoding: null,
  });
  const stdout = new PassThrough();
  // The output read to its end before the exit is told (exec/pty.ts pumpOutput: node-pty alone can lose what the program
  // wrote last); a reader that falls behind pauses the terminal, so a chatty program blocks instead of growing memory.
  const output = pumpOutput(term, stdout);
  const exit = new Promise<ExitStatus>((resolve) => term.onExit(({ exitCode, signal }) => {
    void output.then(() => {
      stdout.end();
      const name = signal ? Object.entries(osConstants.signals).find(([, n]) => n === signal)?.[0] as NodeJS.Signals | undefined : undefined;
      resolve(signal ? { exitCode: 128 + signal, ...(name ? { signal: name } : {}) } : { exitCode });
    });
  }));
  const stdin = new Writable({
    // No final(): a terminal has no end of input; dockerd does not close a tty's stdin when its client's ends.
    write(chunk: Buffer, _enc, done) { try { term.write(chunk); } catch { /* exited */ } done(); },
    // End of input on a terminal is its EOF character (^D), as a client closing stdin means to a shell reading it.
  });
  return {
    pid: term.pid, stdin, stdout, exit,
    resize: (z) => { try { term.resize(Math.max(1, z.width), Math.max(1, z.height)); } catch { /* exited */ } },
  };
}
