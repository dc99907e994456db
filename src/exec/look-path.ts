// exec.LookPath: where execvp(3) would find a command, answered before anything is forked, so a missing one is
// "executable file not found in $PATH" (runc's words) rather than a child that prints its failure and exits.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

// A regular file we may execute. Looked up on every exec, on the shim's event loop: a missing candidate (most PATH
// entries) is a stat answered without an exception, and access(2) runs only on a file that has an execute bit.
function executable(path: string): boolean {
  let st;
  try { st = statSync(path, { throwIfNoEntry: false }); } catch { return false; } // ENOTDIR, EACCES: not here
  if (!st?.isFile() || (st.mode & 0o111) === 0) return false;
  try { accessSync(path, constants.X_OK); return true; } catch { return false; }
}

// exec.LookPath: a name with a slash is used as it is (relative to the working directory), anything else
// is searched on PATH. Undefined when there is no such executable.
export function lookPath(file: string, env: Record<string, string | undefined>, cwd: string): string | undefined {
  if (file.includes('/')) {
    const p = isAbsolute(file) ? file : resolve(cwd, file);
    return executable(p) ? p : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, file);
    if (executable(p)) return p;
  }
  return undefined;
}
