// How the shim starts a process: the executable looked up on the container's PATH first (as runc's exec does,
// so a missing command is "executable file not found in $PATH"), and bound to the shim's life with a
// parent-death signal, so a shim that is killed leaves no container or exec process behind.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lookPath } from '../exec/look-path.ts';
import { constants as osConstants } from 'node:os';

export { lookPath };

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export class ExecutableNotFound extends Error {
  constructor(readonly file: string) {
    super(`exec: "${file}": executable file not found in $PATH`);
  }
}

// The command line that runs `path` bound to its parent: it gets SIGKILL if the process that spawned it dies (prctl
// PR_SET_PDEATHSIG, through util-linux setpriv, which then execs the command in place: same pid, same process group).
// Without setpriv, the command itself, its argv[0] as typed.
export function boundCommand(path: string, args: string[], argv0 = path): [file: string, args: string[], argv0: string] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', path, ...args], SETPRIV] : [path, args, argv0];
}

export function spawnBound(argv: string[], opts: SpawnOptions & { cwd: string; env: Record<string, string> }): ChildProcess {
  const [name, ...args] = argv;
  const path = lookPath(name ?? '', opts.env, opts.cwd);
  if (path === undefined) throw new ExecutableNotFound(name ?? '');
  const [file, fileArgs, argv0] = boundCommand(path, args, name);
  return spawn(file, fileArgs, { ...opts, argv0 });
}

// A process killed by signal n has no exit code of its own: report 128+n, as a shell and runc do, with n
// from this platform's signal numbers (SIGSEGV → 139, SIGUSR1 → 138 on Linux).
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (osConstants.signals[signal] ?? 0);
  return code ?? 0;
}
