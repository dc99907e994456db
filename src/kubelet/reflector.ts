// List, then watch from the list's resourceVersion, and start over when the watch ends or fails: how the
// kubelet and the scheduler keep a cache of the objects they care about (client-go tools/cache/reflector.go ListAndWatch).
import { setTimeout as delay } from 'node:timers/promises';
import type { List, ObjectMeta, WatchEvent } from '../api/types.ts';
import type { RESTClient, Query } from '../client/rest-client.ts';
import { watch } from '../client/watch.ts';

export interface ReflectorHandler<T> {
  // The full list: the cache is replaced (objects missing from it are gone).
  replace(items: T[]): void | Promise<void>;
  event(e: WatchEvent<T>): void | Promise<void>;
}

export interface ReflectorOptions {
  path: string;            // e.g. /api/v1/pods
  query?: Query;           // fieldSelector, labelSelector
  signal: AbortSignal;
  onError?: (err: unknown) => void;
  backoffMs?: number;      // between failed attempts
}

export async function runReflector<T extends { metadata: ObjectMeta }>(client: RESTClient, handler: ReflectorHandler<T>, opts: ReflectorOptions): Promise<void> {
  while (!opts.signal.aborted) {
    try {
      const list = await client.get<List<T>>(opts.path, opts.query, { signal: opts.signal });
      await handler.replace(list.items);
      let rv = list.metadata.resourceVersion;
      // Watch again from where we were until the server says our version is too old (an ERROR event).
      for (let expired = false; !expired && !opts.signal.aborted;) {
        for await (const e of watch<T>(client, opts.path, { query: { ...opts.query, resourceVersion: rv, allowWatchBookmarks: 'true' }, signal: opts.signal })) {
          if (e.type === 'ERROR') { expired = true; break; }
          rv = e.object.metadata.resourceVersion ?? rv;
          if (e.type !== 'BOOKMARK') await handler.event(e);
        }
      }
    } catch (err) {
      if (opts.signal.aborted) return;
      opts.onError?.(err);
      // Not a test sleep: a component backing off before it asks the API server again.
      await delay(opts.backoffMs ?? 1000, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  }
}
