// Which processes the checkpoint runner lives for: its parent and, when `npm run chapter` started it through
// `sh -c`, npm itself, whose death leaves the shell (and so our parent pid) unchanged.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface ProcessIdentity { pid: number; start: number; command: string }

function identity(pid: number): (ProcessIdentity & { ppid: number }) | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, ppid: Number(f[1]), start: Number(f[19]), command };
  } catch { return undefined; }
}

const isNpm = (command: string, npmExecPath = process.env.npm_execpath): boolean =>
  (!!npmExecPath && command.includes(npmExecPath)) || command.split(' ').slice(0, 2).some((w) => ['npm', 'npm-cli.js'].includes(basename(w)));

// The parent, and the ancestors up to npm when npm is what ran us (at most three levels up: npm → sh → node).
export function ancestorsToWatch(ppid = process.ppid): ProcessIdentity[] {
  const found: ProcessIdentity[] = [];
  let pid = ppid;
  for (let level = 0; level < 3 && pid > 1; level++) {
    const p = identity(pid);
    if (!p) break;
    found.push({ pid: p.pid, start: p.start, command: p.command });
    if (!process.env.npm_lifecycle_event || isNpm(p.command)) break;
    pid = p.ppid;
  }
  // Not under npm after all (or npm not found): only the parent counts.
  return process.env.npm_lifecycle_event && found.some((p) => isNpm(p.command)) ? found : found.slice(0, 1);
}

// Calls gone() once any of them has exited (its pid is gone or names a newer process). Polling /proc: Node has no
// pidfd, and these are not our children to wait for.
export function watchAncestors(list: ProcessIdentity[], gone: (who: ProcessIdentity) => void, intervalMs = 250): NodeJS.Timeout {
  const timer = setInterval(() => {
    const dead = list.find((p) => identity(p.pid)?.start !== p.start);
    if (dead) { clearInterval(timer); gone(dead); }
  }, intervalMs);
  return timer.unref();
}
