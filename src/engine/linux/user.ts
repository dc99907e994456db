// A container's user ("", "name", "uid", "name:group", "uid:gid") resolved against the container's own /etc/passwd
// and /etc/group, as runc's user.GetExecUser does: numeric ids need no entry, names must have one.
import { readFileSync } from 'node:fs';
import { resolveInLayers } from './rootfs-path.ts';

export interface ExecUser { uid: number; gid: number; home: string }

export class UnknownUserError extends Error {}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 7 && !f[0]!.startsWith('#'))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }))
    .filter((e) => Number.isInteger(e.uid) && Number.isInteger(e.gid));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && !f[0]!.startsWith('#'))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]) })).filter((e) => Number.isInteger(e.gid));
}

const numeric = (s: string) => /^[0-9]+$/.test(s);

// Pure: the user spec against the two files' contents.
export function execUser(spec: string, passwd: PasswdEntry[], groups: GroupEntry[]): ExecUser {
  const [userPart = '', groupPart] = spec.split(':', 2);
  let user: ExecUser = { uid: 0, gid: 0, home: '/' };
  if (userPart !== '') {
    const entry = passwd.find((e) => (numeric(userPart) ? e.uid === Number(userPart) : e.name === userPart));
    if (entry) user = { uid: entry.uid, gid: entry.gid, home: entry.home || '/' };
    else if (numeric(userPart)) user = { ...user, uid: Number(userPart) };
    else throw new UnknownUserError(`unable to find user ${userPart}: no matching entries in passwd file`);
  } else {
    const root = passwd.find((e) => e.uid === 0);
    if (root) user = { uid: 0, gid: root.gid, home: root.home || '/' };
  }
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((e) => (numeric(groupPart) ? e.gid === Number(groupPart) : e.name === groupPart));
    if (g) user.gid = g.gid;
    else if (numeric(groupPart)) user.gid = Number(groupPart);
    else throw new UnknownUserError(`unable to find group ${groupPart}: no matching entries in group file`);
  }
  if (user.uid > 0x7fffffff || user.gid > 0x7fffffff) throw new UnknownUserError(`uids and gids must be in range 0-2147483647`);
  return user;
}

// The user spec read against the container's files (its layers, or /proc/<pid>/root of its running init).
export function resolveUser(spec: string, layers: string[]): ExecUser {
  const read = (p: string) => {
    const host = resolveInLayers(layers, p);
    try { return host ? readFileSync(host, 'utf8') : ''; } catch { return ''; }
  };
  return execUser(spec, parsePasswd(read('/etc/passwd')), parseGroup(read('/etc/group')));
}
