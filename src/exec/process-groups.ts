// The sessions a container's processes run in (its main process, each exec), remembered on disk so that whoever comes
// next (a restarted runtime, a new checkpoint start) can end them: without pid namespaces or cgroups, what a
// container's cgroup.kill or its pid-1 death does for runc.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A process spawned with `detached: true` leads a new session and process group: sid = pgid = its pid. Everything it
// starts stays in that session, even a shell's background jobs in groups of their own; only setsid(2) leaves it.
export interface SessionRecord {
  sid: number;
  start: number;   // the leader's start time (/proc/<pid>/stat field 22): a reused pid has another
}

interface ProcStat { pid: number; pgrp: number; session: number; start: number }

function procStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state is f[0]
    return { pid: Number(pid), pgrp: Number(f[2]), session: Number(f[3]), start: Number(f[19]) };
  } catch { return undefined; }
}

export function startTimeOf(pid: number): number { return procStat(pid)?.start ?? 0; }

function kill(target: number): void {
  try { process.kill(target, 'SIGKILL'); } catch { /* gone */ }
}

// The processes of a recorded session that are still ours. A pid is not reused while it names a live session, so
// members of session `sid` belong to ours unless its leader is a newer process (ours died, and the pid came back),
// or they started before it.
function members(rec: SessionRecord): number[] {
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return []; }
  const leader = procStat(rec.sid);
  if (rec.start && leader && leader.session === rec.sid && leader.start !== rec.start) return [];
  const found: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = procStat(e);
    if (s && s.session === rec.sid && s.start >= rec.start) found.push(s.pid);
  }
  return found;
}

// SIGKILL the session's main group at once, then every member found in /proc, again until none is left (a process
// may fork while we look). Without /proc (not Linux), the group is all we can name.
export function killSession(rec: SessionRecord): void {
  const leader = procStat(rec.sid);
  if (leader && rec.start && leader.start !== rec.start) return; // the pid names another process now
  if (leader || !hasProc()) kill(-rec.sid);
  for (let round = 0; round < 20; round++) {
    const left = members(rec);
    if (left.length === 0) return;
    for (const pid of left) kill(pid);
  }
}

const hasProc = (): boolean => { try { readdirSync('/proc'); return true; } catch { return false; } };

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
  for (const rec of readRecords(dir)) killSession(rec);
  rmSync(dir, { recursive: true, force: true });
}

// The sessions of one container, in their folder. Once the container has ended, the folder is gone, and a session
// added late (an exec that raced the container's stop) is killed at once instead of recorded.
export class ContainerSessions {
  constructor(readonly dir: string) {}

  // Creates the folder: the container starts.
  open(): void { mkdirSync(this.dir, { recursive: true }); }

  add(pid: number): void {
    const rec = { sid: pid, start: startTimeOf(pid) };
    try {
      writeFileSync(join(this.dir, `${rec.sid}-${rec.start}`), '', { flag: 'wx' });
    } catch {
      killSession(rec); // no folder: the container is gone
      return;
    }
    // Sessions whose every process is gone need no remembering.
    for (const old of readRecords(this.dir)) {
      if (old.sid !== rec.sid && members(old).length === 0) rmSync(join(this.dir, `${old.sid}-${old.start}`), { force: true });
    }
  }

  // The container stopped: nothing it or an exec in it started may outlive it. The folder is moved away first, so a
  // late add() fails and kills its own session.
  end(): void {
    const ending = `${this.dir}.ending`;
    try { renameSync(this.dir, ending); } catch { killRecordedSessions(this.dir); } // gone already, or a crashed end() left one
    killRecordedSessions(ending);
  }
}
