// Can this machine make real containers? Root, the tools, new namespaces and an overlay mount, tried once per
// process (the engine's `auto` choice of backend, and `npm run doctor`). The role of dockerd's startup checks.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tools } from './init-script.ts';

export type NamespaceSupport = { ok: true } | { ok: false; reason: string };

// Inside new pid, mount, uts, ipc and net namespaces: an overlay mounted and read back, then everything goes
// with the namespaces.
const probeScript = 'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" && [ -f "$4/probe" ] && hostname probe';

let cached: NamespaceSupport | undefined;

export function namespaceSupport(): NamespaceSupport {
  cached ??= probe();
  return cached;
}

function probe(): NamespaceSupport {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root (namespaces, mounts and cgroups need it)' };
  if (!tools.busybox) return { ok: false, reason: 'no static busybox (apt-get install busybox-static)' };
  if (!tools.setpriv || !tools.nsenter) return { ok: false, reason: 'no util-linux setpriv/nsenter (apt-get install util-linux)' };
  const dir = mkdtempSync(join(tmpdir(), 'ns-probe-'));
  try {
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(dir, d)) as [string, string, string, string];
    for (const d of [lower, upper, work, merged]) mkdirSync(d);
    spawnSync(tools.busybox, ['touch', join(lower, 'probe')]);
    const r = spawnSync(tools.busybox, ['unshare', '-f', '-p', '-m', '-u', '-i', '-n', '--propagation', 'private', '--',
      tools.busybox, 'sh', '-c', probeScript, 'probe', lower, upper, work, merged], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) {
      const why = (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).trim();
      return { ok: false, reason: `cannot make namespaces with an overlay root: ${why}` };
    }
    return { ok: true };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
