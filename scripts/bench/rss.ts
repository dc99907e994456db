// Resident memory of a process from /proc/<pid>/status (VmRSS), in KiB: what `ps -o rss` reads, per component.
import { readFileSync } from 'node:fs';

export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}
