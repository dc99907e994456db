// What /proc says about a host process: its start time (so a recorded pid is not confused with a new process that
// got the same number), its children (the container's init is unshare's child), and whether it is still there.
import { readFileSync } from 'node:fs';

// Field 22 of /proc/<pid>/stat, in clock ticks since boot; undefined when the process is gone.
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch { return undefined; }
}

// A zombie has exited already: only its parent's wait is missing.
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch { return true; }
}

export function sameProcess(pid: number, start: string | undefined): boolean {
  return start !== undefined && startTime(pid) === start && !zombie(pid);
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch { return []; }
}

export function killIfSame(pid: number | undefined, start: string | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined || !sameProcess(pid, start)) return;
  try { process.kill(pid, signal); } catch { /* gone meanwhile */ }
}
