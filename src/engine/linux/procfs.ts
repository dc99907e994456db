// What /proc says about a host process: its start time (so a recorded pid is not confused with a new process that
// got the same number), its children (the container's init is unshare's child), and whether it is still there.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { procStat } from '../../exec/process-groups.ts';

// Field 22 of /proc/<pid>/stat, in clock ticks since boot (as a string, the way records keep it); undefined when the
// process is gone.
export function startTime(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat && String(stat.start);
}

// Still the process recorded: the same start time, and not a zombie (it has exited; only its parent's wait is missing).
export function sameProcess(pid: number, start: string | undefined): boolean {
  const stat = procStat(pid);
  return start !== undefined && stat !== undefined && String(stat.start) === start && !stat.zombie;
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

// "pid:[4026532301]": the pid namespace a process is in (undefined when it is gone).
export function pidNamespaceOf(pid: number): string | undefined {
  try { return readlinkSync(`/proc/${pid}/ns/pid`); } catch { return undefined; }
}

// Every host process in a pid namespace, by one pass over /proc.
export function processesInPidNamespace(ns: string): number[] {
  let entries: string[] = [];
  try { entries = readdirSync('/proc'); } catch { return []; }
  return entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => pidNamespaceOf(pid) === ns);
}
