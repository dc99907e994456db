// What a checkpoint leaves open to everyone on the machine, said when it starts (scripts/chapter.ts) and by
// `npm run doctor`: chapters 1-8 build the path, not its locks; chapter 9 (security) closes every door.
import { userInfo } from 'node:os';
import type { Chapter, Checkpoint } from './types.ts';

// #region open-doors
// Checkpoints without authentication or TLS; from chapter 9 on a checkpoint says `secured: true`.
export function openDoors(checkpoint: Checkpoint, owner: Chapter, uid = process.getuid?.() ?? -1): string[] {
  if (checkpoint.secured) return [];
  const names = checkpoint.components.map((c) => c.name);
  const execs = owner.number >= 2;
  const lines = [execs
    ? 'no authentication, no TLS: anyone on this machine can use the API server and exec into any pod'
    : 'no authentication, no TLS: anyone on this machine can create and delete pods'];
  if (names.some((n) => n.startsWith('kubelet-'))) lines.push('the kubelets\' ports are open too: an exec through them needs no API server at all');
  if (execs) {
    lines.push(uid === 0
      ? 'commands run as root: an exec here is a root shell for any local user'
      : `commands run as ${userName()} (uid ${uid}): any local user can run them as you`);
  }
  return lines;
}

export function openDoorsWarning(checkpoint: Checkpoint, owner: Chapter, uid?: number): string | undefined {
  const lines = openDoors(checkpoint, owner, uid);
  if (!lines.length) return undefined;
  return [`WARNING: checkpoint ${owner.number} (${owner.slug}) is open to every local user (chapter 9 closes it):`, ...lines.map((l) => `  - ${l}`)].join('\n');
}
// #endregion open-doors

function userName(): string {
  try { return userInfo().username; } catch { return 'you'; }
}
