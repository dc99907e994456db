// The sessions a container's processes run in (its main process, each exec), remembered on disk so that whoever comes
// next (a restarted runtime, a new checkpoint start) can end them: without pid namespaces or cgroups, what a
// container's cgroup.kill or its pid-1 death does for runc.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A process spawned with `detached: true` leads a new session and process group: sid = pgid = its pid. Everything it
// starts stays in that session, even a shell's background jobs in groups of their own; only setsid(2) leaves it.
export interface SessionRecord {
  sid: number;
  start: number;   // the leader's start time (/proc/<pid>/stat field 22): a reused pid has another
}

export interface ProcStat { pid: number; zombie: boolean; session: number; start: number }

// One process's /proc/<pid>/stat; undefined when it is gone (or there is no /proc).
export function procStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state is f[0]
    return { pid: Number(pid), zombie: f[0] === 'Z', session: Number(f[3]), start: Number(f[19]) };
  } catch { return undefined; }
}

export function startTimeOf(pid: number): number { return procStat(pid)?.start ?? 0; }

function kill(target: number): void {
  try { process.kill(target, 'SIGKILL'); } catch { /* gone */ }
}

// Every live process on the host by session, in one pass over /proc (undefined without /proc: not Linux).
function processesBySession(): Map<number, ProcStat[]> | undefined {
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return undefined; }
  const by = new Map<number, ProcStat[]>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = procStat(e);
    if (!s || s.zombie) continue; // dead already, waiting for its parent to reap it
    const list = by.get(s.session);
    if (list) list.push(s); else by.set(s.session, [s]);
  }
  return by;
}

// Is the session still ours? A pid is not reused while it names a live session, so its members are ours unless its
// leader is a newer process (ours died and the pid came back), and each started no earlier than our leader.
function ours(rec: SessionRecord): boolean {
  const leader = procStat(rec.sid);
  return !(leader && rec.start && leader.start !== rec.start);
}
const membersOf = (rec: SessionRecord, by: Map<number, ProcStat[]>): ProcStat[] => (by.get(rec.sid) ?? []).filter((p) => p.start >= rec.start);

// SIGKILL each session's main group at once, then every member found in /proc, again until none is left (a process
// may fork while we look). One pass over /proc per round, however many sessions. Without /proc, the group is all
// we can name.
export function killSessions(recs: SessionRecord[]): void {
  const mine = recs.filter(ours);
  const noProc = !existsSync('/proc/self/stat');
  for (const rec of mine) if (noProc || procStat(rec.sid)) kill(-rec.sid); // a leader gone: its members, below
  for (let round = 0; round < 20 && mine.length; round++) {
    const by = processesBySession();
    if (!by) return;
    const left = mine.flatMap((rec) => membersOf(rec, by));
    if (left.length === 0) return;
    for (const p of left) kill(p.pid);
  }
}
export const killSession = (rec: SessionRecord): void => killSessions([rec]);

// Records are empty files named <sid>-<start> in one folder per container, so that more than one process may add to
// it (the shim for its container and ExecSync, chapter 4's kubelet for its execs) without a shared file to race on.
function readRecords(dir: string): SessionRecord[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.flatMap((n) => {
    const m = /^(\d+)-(\d+)$/.exec(n);
    return m && Number(m[1]) > 1 ? [{ sid: Number(m[1]), start: Number(m[2]) }] : [];
  });
}

// A successor's sweep (a restarted runtime, a new checkpoint start): end every session a folder records, then forget them.
export function killRecordedSessions(dir: string): void {
  killSessions(readRecords(dir));
  rmSync(dir, { recursive: true, force: true });
}

// Every live process of the sessions a folder records: a container's processes, for `docker top`.
export function recordedMembers(dir: string): number[] {
  const recs = readRecords(dir).filter(ours);
  const by = processesBySession();
  if (!by) return recs.map((r) => r.sid); // not Linux: the leaders are all we can name
  return recs.flatMap((rec) => membersOf(rec, by)).map((p) => p.pid).sort((a, b) => a - b);
}

const addsSinceSweep = new Map<string, number>(); // a container's folder → adds since its last sweep

// The sessions of one container, in their folder. Once the container has ended, the folder is gone, and a session
// added late (an exec that raced the container's stop) is killed at once instead of recorded.
export class ContainerSessions {
  constructor(readonly dir: string) {}

  // Creates the folder: the container starts.
  open(): void { mkdirSync(this.dir, { recursive: true }); }

  add(pid: number): void {
    let start = startTimeOf(pid);
    if (!start && existsSync('/proc/self/stat')) {
      // The leader exited already (a quick `sh -c 'job &'`): what it left in its session starts no earlier than it,
      // so the earliest of them stands in for its start time; with nothing left, there is nothing to remember.
      // (Without /proc, not Linux, there are no start times: the group is recorded unguarded.)
      const left = processesBySession()?.get(pid) ?? [];
      if (left.length === 0) return;
      start = Math.min(...left.map((p) => p.start));
    }
    const rec = { sid: pid, start };
    try {
      writeFileSync(join(this.dir, `${rec.sid}-${rec.start}`), '', { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return; // recorded already
      killSession(rec); // no folder: the container is gone
      return;
    }
    // Sessions whose every process is gone need no remembering: forgotten every 64th add, in one pass over /proc
    // (counted in memory: reading the folder on every exec would cost each one a readdir).
    const n = (addsSinceSweep.get(this.dir) ?? 0) + 1;
    addsSinceSweep.set(this.dir, n % 64);
    if (n < 64) return;
    const recs = readRecords(this.dir);
    const by = processesBySession();
    for (const old of by ? recs : []) {
      if (old.sid !== rec.sid && membersOf(old, by!).length === 0) rmSync(join(this.dir, `${old.sid}-${old.start}`), { force: true });
    }
  }

  // The container stopped: nothing it or an exec in it started may outlive it. The folder is moved away first, so a
  // late add() fails and kills its own session.
  end(): void {
    addsSinceSweep.delete(this.dir);
    const ending = `${this.dir}.ending`;
    try { renameSync(this.dir, ending); } catch { killRecordedSessions(this.dir); } // gone already, or a crashed end() left one
    killRecordedSessions(ending);
  }
}
