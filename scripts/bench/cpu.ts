// CPU time and minor page faults of a process from /proc/<pid>/stat (what `ps -o time,min_flt` reads), and a CPU
// profile of the bench's own process over one run (node:inspector, as --cpu-prof does for a whole life). For BENCH_CPU
// and BENCH_PROF in chain.ts: which process pays for a slow run.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

function stat(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

export function cpuSeconds(pid: number): number {
  const f = stat(pid);
  return (Number(f[11]) + Number(f[12])) / TICKS; // fields 14 and 15
}

// Minor page faults so far (field 10): memory the process touches for the first time, or again after returning it.
export function minorFaults(pid: number): number {
  return Number(stat(pid)[7]);
}

// Snapshot of the bench and several processes; what each used since, as "name 1.23s 45k faults".
export function cpuSnapshot(pids: Record<string, number>): () => string {
  const all = { bench: process.pid, ...pids };
  const before = Object.fromEntries(Object.entries(all).map(([n, p]) => [n, [cpuSeconds(p), minorFaults(p)] as const]));
  return () => Object.entries(all).map(([n, p]) => {
    const [cpu, faults] = before[n]!;
    return `${n} ${(cpuSeconds(p) - cpu).toFixed(2)}s ${Math.round((minorFaults(p) - faults) / 1000)}k faults`;
  }).join(', ');
}

// Starts profiling this process; the function returned stops and writes the profile (open it in Chrome's DevTools).
export async function profileSelf(): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
