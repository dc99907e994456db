// Serves ?watch=1: one JSON watch event per line until the client leaves, the timeout fires or the server stops
// (k8s.io/apiserver/pkg/endpoints/handlers/watch.go, serveWatch; selector filtering as the watch cache does it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { toStatus } from '../../api/status.ts';
import type { IncludeObjectPolicy } from '../../api/table.ts';
import type { Store, StoreEvent } from '../registry/store.ts';
import type { KObject } from '../registry/strategy.ts';
import { asTable } from './table.ts';

export interface WatchOptions<T> {
  resourceVersion?: string;
  timeoutSeconds?: number;
  matches: (obj: T) => boolean;
  table?: IncludeObjectPolicy;   // set when the client asked for Table events (kubectl get -w)
}

// #region watch-filter
// An object that starts matching the selector is ADDED for this watcher; one that stops matching is DELETED.
export function filterEvent<T>(ev: StoreEvent<T>, matches: (obj: T) => boolean): StoreEvent<T> | undefined {
  const now = matches(ev.object);
  const before = ev.prev !== undefined && matches(ev.prev);
  if (ev.type === 'ADDED') return now ? ev : undefined;
  if (ev.type === 'DELETED') return before || now ? ev : undefined;
  if (now && before) return ev;
  if (now) return { type: 'ADDED', object: ev.object };
  if (before) return { type: 'DELETED', object: ev.object };
  return undefined;
}
// #endregion watch-filter

export async function serveWatch<T extends KObject>(req: IncomingMessage, res: ServerResponse, store: Store<T>,
  namespace: string | undefined, opts: WatchOptions<T>): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  // A client that is gone gets nothing more; one that reads slowly makes us wait (its watcher's queue is bounded).
  const write = async (line: unknown) => {
    if (res.destroyed) return;
    if (!res.write(JSON.stringify(line) + '\n')) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  let watch;
  try {
    watch = await store.watch(namespace, opts.resourceVersion);
  } catch (err) {
    // Like the watch cache: once the request is accepted, a too-old resourceVersion is an ERROR event (410 Expired).
    await write({ type: 'ERROR', object: toStatus(err) });
    res.end();
    return;
  }
  const stop = () => watch.stop();
  // The client may have left while the watch was being set up: its 'close' has already fired.
  if (res.destroyed) { stop(); return; }
  res.once('close', stop);
  const timer = opts.timeoutSeconds ? setTimeout(stop, opts.timeoutSeconds * 1000) : undefined;
  try {
    for await (const raw of watch) {
      const ev = filterEvent(raw, opts.matches);
      if (!ev) continue;
      const object = opts.table ? asTable(store.strategy.table, [ev.object], ev.object.metadata.resourceVersion, opts.table) : ev.object;
      await write({ type: ev.type, object });
      if (res.destroyed) break;
    }
  } catch {
    // A watcher that fell too far behind just ends: the client relists and watches again.
  } finally {
    clearTimeout(timer);
    res.off('close', stop);
    watch.stop();
    if (!res.destroyed) res.end();
  }
}
