// A container's cgroups: memory and pids limits where this machine lets us set them (cgroup v1 controllers, or v2
// with the controllers delegated), v2's cgroup.kill to end every process at once, OOM kills read back (runc's
// libcontainer/cgroups fs and fs2 managers, in small).
import { existsSync, readFileSync, readdirSync, rmdirSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../util/wait.ts';

interface Hierarchy { dir: string }          // where our cgroups go: <mount>/<our own cgroup>/workbook

export interface CgroupLayout {
  memory?: Hierarchy & { v2: boolean };
  pids?: Hierarchy & { v2: boolean };
  unified?: Hierarchy;                        // v2, for cgroup.kill and cgroup.procs
  notes: string[];                            // what is not possible here, for the backend's description
}

// A container's cgroup folders, as recorded for recover.
export interface CgroupSet { dirs: string[]; memory?: string; memoryV2?: boolean; unified?: string }

const parentName = 'workbook';

// mountinfo: "36 25 0:31 / /sys/fs/cgroup/memory rw,… shared:14 - cgroup cgroup rw,memory"
function cgroupMounts(): { root: string; mountPoint: string; fstype: string; options: string[] }[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').flatMap((line) => {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) return [];
    const f = pre.split(' ');
    const [fstype, , superOptions = ''] = post.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') return [];
    return [{ root: f[3]!, mountPoint: f[4]!, fstype, options: superOptions.split(',') }];
  });
}

// Our own cgroup in each hierarchy (/proc/self/cgroup: "4:memory:/process_api/…", "0::/").
function ownCgroups(): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === '') own.set('', m[3]!);
    for (const c of m[2]!.split(',')) if (c) own.set(c.replace(/^name=/, ''), m[3]!);
  }
  return own;
}

function under(mountPoint: string, mountRoot: string, own: string): string {
  const rel = own.startsWith(mountRoot) ? own.slice(mountRoot.length) : own;
  return join(mountPoint, rel, parentName);
}

// Probed by making the folder, which is removed again unless it was there: nothing is left by asking.
function writable(dir: string): boolean {
  const existed = existsSync(dir);
  try {
    mkdirSync(dir, { recursive: true });
    if (!existed) rmdirSync(dir);
    return true;
  } catch { return false; }
}

let cached: CgroupLayout | undefined;

// Where this machine lets a root process put containers: v1 memory and pids nest under our own cgroups (the
// sandbox puts us in one), v2 under our own v2 cgroup.
export function cgroupLayout(): CgroupLayout {
  if (cached) return cached;
  const layout: CgroupLayout = { notes: [] };
  let mounts: ReturnType<typeof cgroupMounts> = [];
  let own = new Map<string, string>();
  try { mounts = cgroupMounts(); own = ownCgroups(); } catch { /* not Linux */ }
  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  if (v2 && own.has('')) {
    const dir = under(v2.mountPoint, v2.root, own.get('')!);
    if (writable(dir)) layout.unified = { dir };
  }
  for (const c of ['memory', 'pids'] as const) {
    const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.options.includes(c));
    if (v1 && own.has(c)) {
      const dir = under(v1.mountPoint, v1.root, own.get(c)!);
      if (writable(dir)) { layout[c] = { dir, v2: false }; continue; }
    }
    // v2: the controller must be enabled for our children; it cannot be where our own cgroup holds processes.
    if (layout.unified && delegate(layout.unified.dir, c)) layout[c] = { dir: layout.unified.dir, v2: true };
    else layout.notes.push(`no ${c} limits (no writable ${c} cgroup)`);
  }
  if (!layout.unified) layout.notes.push('no cgroup v2 (cgroup.kill): containers are ended by signal');
  cached = layout;
  return layout;
}

function delegate(parent: string, controller: string): boolean {
  try {
    mkdirSync(parent, { recursive: true });
    const available = readFileSync(join(parent, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (!available.includes(controller)) {
      writeFileSync(join(parent, '..', 'cgroup.subtree_control'), `+${controller}`);
    }
    writeFileSync(join(parent, 'cgroup.subtree_control'), `+${controller}`);
    return true;
  } catch { return false; }
}

// #region cgroups
export function createCgroups(id: string, limits: { memoryBytes?: number; pidsMax?: number }): CgroupSet {
  const layout = cgroupLayout();
  const set: CgroupSet = { dirs: [] };
  const make = (parent: string) => {
    const dir = join(parent, id);
    if (set.dirs.includes(dir)) return dir;
    // Another engine may remove the empty parent just between our two mkdirs: once more then.
    try { mkdirSync(dir, { recursive: true }); } catch { mkdirSync(dir, { recursive: true }); }
    set.dirs.push(dir);
    return dir;
  };
  for (const c of ['memory', 'pids'] as const) if (layout[c]?.v2) delegate(layout[c]!.dir, c);
  if (layout.unified) set.unified = make(layout.unified.dir);
  if (layout.memory) {
    set.memory = make(layout.memory.dir);
    set.memoryV2 = layout.memory.v2;
    if (limits.memoryBytes) {
      if (layout.memory.v2) {
        writeFileSync(join(set.memory, 'memory.max'), String(limits.memoryBytes));
        try { writeFileSync(join(set.memory, 'memory.swap.max'), '0'); } catch { /* no swap accounting */ }
      } else {
        writeFileSync(join(set.memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // No swap on top (Docker would allow as much again): over the limit is an OOM kill, not paging.
        try { writeFileSync(join(set.memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)); } catch { /* no swap accounting */ }
      }
    }
  } else if (limits.memoryBytes) throw new Error('a memory limit was asked for, but this machine has no writable memory cgroup');
  if (layout.pids) {
    const dir = make(layout.pids.dir);
    if (limits.pidsMax && limits.pidsMax > 0) writeFileSync(join(dir, 'pids.max'), String(limits.pidsMax));
  } else if (limits.pidsMax && limits.pidsMax > 0) throw new Error('a pids limit was asked for, but this machine has no writable pids cgroup');
  return set;
}
// #endregion cgroups

// The files a process writes "0" to, to move itself into every one of the container's cgroups.
export function procsFiles(set: CgroupSet): string[] { return set.dirs.map((d) => join(d, 'cgroup.procs')); }

// Did the kernel's OOM killer kill a process of this container (memory.oom_control or memory.events)?
export function oomKilled(set: CgroupSet): boolean {
  if (!set.memory) return false;
  try {
    const text = readFileSync(join(set.memory, set.memoryV2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0) > 0;
  } catch { return false; }
}

// The processes in the container's cgroup (v2's, else the first v1 hierarchy it has), as containerd's Task.Pids reads
// them; undefined when the container got no cgroup here.
export function cgroupPids(set: CgroupSet): number[] | undefined {
  const dir = set.unified ?? set.dirs[0];
  return dir === undefined ? undefined : pidsIn(dir);
}

function pidsIn(dir: string): number[] {
  try { return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; }
}

// End every process left in the container's cgroups (cgroup.kill where v2 has it, else SIGKILL each), then remove
// them, and our parent folder once it is empty.
export async function removeCgroups(set: CgroupSet): Promise<void> {
  const live = set.dirs.filter((d) => existsSync(d));
  if (set.unified && existsSync(join(set.unified, 'cgroup.kill'))) {
    try { writeFileSync(join(set.unified, 'cgroup.kill'), '1'); } catch { /* gone meanwhile */ }
  }
  await waitFor(() => {
    let empty = true;
    for (const d of live) {
      for (const pid of pidsIn(d)) {
        empty = false;
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
    return empty;
  }, { timeoutMs: 10_000, what: 'the container\'s cgroups to be empty' });
  for (const d of live) {
    // A cgroup whose last process has just exited can still be busy for a moment.
    await waitFor(() => { try { rmdirSync(d); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ENOENT'; } },
      { timeoutMs: 5_000, what: `rmdir ${d}` });
    const parent = join(d, '..');
    try { if (readdirSync(parent).every((n) => !/^[0-9a-f]{64}$/.test(n))) rmdirSync(parent); } catch { /* another engine's containers */ }
  }
}

// A janitor for what no record names any more (an engine SIGKILLed whose folder is gone with it): container cgroups
// that are empty and older than a minute, in every hierarchy we use. A starting container's cgroup is empty only
// for the moment before its init joins; one whose container has exited only until its engine cleans it up.
export function sweepCgroups(olderThanMs = 60_000): string[] {
  const layout = cgroupLayout();
  const removed: string[] = [];
  for (const parent of [layout.memory?.dir, layout.pids?.dir, layout.unified?.dir]) {
    if (!parent || !existsSync(parent)) continue;
    for (const name of readdirSync(parent).filter((n) => /^[0-9a-f]{64}$/.test(n))) {
      const dir = join(parent, name);
      try {
        if (pidsIn(dir).length > 0 || Date.now() - statSync(dir).mtimeMs < olderThanMs) continue;
        rmdirSync(dir);
        removed.push(dir);
      } catch { /* busy or gone meanwhile */ }
    }
    try { if (!readdirSync(parent).some((n) => /^[0-9a-f]{64}$/.test(n))) rmdirSync(parent); } catch { /* in use */ }
  }
  return removed;
}
