// A container's user ("", "name", "uid", "name:group", "uid:gid") resolved against the container's own /etc/passwd
// and /etc/group, as runc's user.GetExecUser does: numeric ids need no entry, names must have one. Then the groups
// the process holds, as moby's getUser gives them to runc: its gid, the groups that list the user, HostConfig.GroupAdd.
import { readFileSync } from 'node:fs';
import { resolveInLayers } from './rootfs-path.ts';

export interface ExecUser {
  uid: number; gid: number; home: string;
  groups: number[];   // the supplementary groups (setgroups): gid first, then the user's, then GroupAdd's
}

export class UnknownUserError extends Error {}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 7 && !f[0]!.startsWith('#'))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }))
    .filter((e) => Number.isInteger(e.uid) && Number.isInteger(e.gid));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && !f[0]!.startsWith('#'))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }))
    .filter((e) => Number.isInteger(e.gid));
}

const numeric = (s: string) => /^[0-9]+$/.test(s);

const maxId = 0x7fffffff;
const rangeError = () => new UnknownUserError('uids and gids must be in range 0-2147483647');

// Pure: the user spec against the two files' contents, and HostConfig.GroupAdd (names or numbers).
export function execUser(spec: string, passwd: PasswdEntry[], groups: GroupEntry[], groupAdd: string[] = []): ExecUser {
  const [userPart = '', groupPart = ''] = spec.split(':', 2);
  let uid = 0, gid = 0, home = '/';
  // The passwd entry named (or numbered) by the spec; with no user, root's. Only a matched entry has a name to
  // look for in the group file's member lists: a bare uid without one gets no supplementary groups.
  const entry = passwd.find((e) => (userPart === '' ? e.uid === 0 : numeric(userPart) ? e.uid === Number(userPart) : e.name === userPart));
  if (entry) { uid = entry.uid; gid = entry.gid; home = entry.home || '/'; }
  else if (!numeric(userPart) && userPart !== '') throw new UnknownUserError(`unable to find user ${userPart}: no matching entries in passwd file`);
  else if (userPart !== '') uid = Number(userPart);
  let member: number[] = [];
  if (groupPart !== '') {
    // "user:group": that group replaces the user's, and the member lists are not read (runc's explicit form).
    const g = groups.find((e) => (numeric(groupPart) ? e.gid === Number(groupPart) : e.name === groupPart));
    if (g) gid = g.gid;
    else if (numeric(groupPart)) gid = Number(groupPart);
    else throw new UnknownUserError(`unable to find group ${groupPart}: no matching entries in group file`);
  } else if (entry) {
    member = groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
  }
  if (uid > maxId || gid > maxId) throw rangeError();
  return { uid, gid, home, groups: [gid, ...member, ...additionalGroups(groupAdd, groups)] };
}

// GetAdditionalGroups (moby/sys/user, as runc's): each by name or gid in the group file, else a number taken as it is; each once.
export function additionalGroups(names: string[], groups: GroupEntry[]): number[] {
  const out: number[] = [];
  for (const name of names) {
    const g = groups.find((e) => e.name === name || String(e.gid) === name);
    let gid: number;
    if (g) gid = g.gid;
    else if (/^-?[0-9]+$/.test(name)) gid = Number(name);
    else throw new UnknownUserError(`unable to find group ${name}: no matching entries in group file`);
    if (gid < 0 || gid > maxId) throw rangeError();
    if (!out.includes(gid)) out.push(gid);
  }
  return out;
}

// The user spec read against the container's files (its layers, or /proc/<pid>/root of its running init).
export function resolveUser(spec: string, layers: string[], groupAdd: string[] = []): ExecUser {
  const read = (p: string) => {
    const host = resolveInLayers(layers, p);
    try { return host ? readFileSync(host, 'utf8') : ''; } catch { return ''; }
  };
  return execUser(spec, parsePasswd(read('/etc/passwd')), parseGroup(read('/etc/group')), groupAdd);
}
