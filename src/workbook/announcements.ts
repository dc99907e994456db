// Learning of a component's announcement the moment it is written: a watch on the state folder (inotify) wakes the
// supervisor when <name>.ready.json appears, instead of polling with a backoff. A slow re-check covers a missed event.
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Announcement } from '../util/announce.ts';

export interface AnnouncementWait { timeoutMs: number; what: string; signal?: AbortSignal; recheckMs?: number }

function read(file: string): Announcement | undefined {
  if (!existsSync(file)) return undefined;
  try { return JSON.parse(readFileSync(file, 'utf8')) as Announcement; } catch { return undefined; } // renamed into place: whole, or gone again
}

export function awaitAnnouncement(file: string, opts: AnnouncementWait): Promise<Announcement> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let done = false;
    const finish = (err: unknown, a?: Announcement) => {
      if (done) return;
      done = true;
      watcher?.close();
      clearTimeout(deadline);
      clearInterval(recheck);
      opts.signal?.removeEventListener('abort', aborted);
      if (err) reject(err); else resolve(a!);
    };
    const check = () => { const a = read(file); if (a) finish(undefined, a); };
    const aborted = () => finish(opts.signal!.reason);
    const deadline = setTimeout(() => finish(new Error(`timed out after ${opts.timeoutMs}ms waiting for ${opts.what}`)), opts.timeoutMs);
    const recheck = setInterval(check, opts.recheckMs ?? 250);
    if (opts.signal?.aborted) return finish(opts.signal.reason);
    opts.signal?.addEventListener('abort', aborted, { once: true });
    const name = basename(file);
    try {
      // Watch first, then look: a file written in between is seen by one or the other.
      watcher = watch(dirname(file), (_event, changed) => { if (!changed || changed.toString() === name) check(); });
      watcher.on('error', () => { watcher?.close(); watcher = undefined; }); // the re-check carries on alone
    } catch { /* no watch (a filesystem without inotify): the re-check alone */ }
    check();
  });
}
