// An in-memory storage.Interface: a map, a revision counter and a bounded event history for watch replay
// (the role etcd3's store plays in k8s.io/apiserver/pkg/storage/etcd3/store.go, with etcd's compaction as the bound).
import { StorageError } from './interface.ts';
import type { KeyValue, Storage, StorageEvent, Watcher } from './interface.ts';
import type { StorageJournal } from './journal.ts';

export interface MemoryStorageOptions {
  // How many past events a watch can replay; older resourceVersions get 410 Expired.
  historySize?: number;
  // How many undelivered events a watcher may hold before it is ended as too slow.
  watcherQueueSize?: number;
  // Where every write is also kept, to start from after a restart (journal.ts); without one, a restart starts empty.
  journal?: StorageJournal;
}

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryStorage implements Storage {
  private readonly data = new Map<string, KeyValue>();
  private readonly history: StorageEvent[] = [];
  private readonly watchers = new Set<MemoryWatcher>();
  private revision = 0;
  // Events with revision <= compacted are gone from history (etcd's compact revision).
  private compacted = 0;
  private readonly historySize: number;
  private readonly watcherQueueSize: number;
  private readonly journal: StorageJournal | undefined;

  constructor(opts: MemoryStorageOptions = {}) {
    this.historySize = opts.historySize ?? 1000;
    this.watcherQueueSize = opts.watcherQueueSize ?? 1000;
    this.journal = opts.journal;
    if (this.journal) {
      const { items, revision } = this.journal.load();
      for (const kv of items) this.data.set(kv.key, kv);
      // The events before a restart are not replayed: a watch from an older resourceVersion gets 410 Expired and
      // relists, as after an etcd compaction.
      this.revision = this.compacted = revision;
    }
  }

  currentRevision(): number { return this.revision; }

  // Open watchers: what a client that went away must not leave behind.
  get watcherCount(): number { return this.watchers.size; }

  async get(key: string): Promise<KeyValue | undefined> {
    const kv = this.data.get(key);
    return kv && clone(kv);
  }

  async list(prefix: string): Promise<{ items: KeyValue[]; revision: number }> {
    const items = [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => a.key.localeCompare(b.key));
    return { items: clone(items), revision: this.revision };
  }

  async create(key: string, value: unknown): Promise<KeyValue> {
    if (this.data.has(key)) throw new StorageError('KeyExists', key, `key exists: ${key}`);
    const kv: KeyValue = { key, value: clone(value), modRevision: ++this.revision };
    this.data.set(key, kv);
    this.emit({ type: 'ADDED', key, value: kv.value, revision: kv.modRevision });
    return clone(kv);
  }

  async update(key: string, value: unknown, expectedRevision?: number): Promise<KeyValue> {
    const prev = this.data.get(key);
    if (!prev) throw new StorageError('KeyNotFound', key, `key not found: ${key}`);
    if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) {
      throw new StorageError('Conflict', key, `revision ${expectedRevision} does not match current ${prev.modRevision}`, prev.modRevision);
    }
    const kv: KeyValue = { key, value: clone(value), modRevision: ++this.revision };
    this.data.set(key, kv);
    this.emit({ type: 'MODIFIED', key, value: kv.value, prevValue: prev.value, revision: kv.modRevision });
    return clone(kv);
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const prev = this.data.get(key);
    if (!prev) throw new StorageError('KeyNotFound', key, `key not found: ${key}`);
    if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) {
      throw new StorageError('Conflict', key, `revision ${expectedRevision} does not match current ${prev.modRevision}`, prev.modRevision);
    }
    this.data.delete(key);
    const revision = ++this.revision;
    this.emit({ type: 'DELETED', key, value: prev.value, prevValue: prev.value, revision });
    return clone(prev);
  }

  watch(prefix: string, fromRevision: number): Watcher {
    if (fromRevision < this.compacted) {
      throw new StorageError('TooOldResourceVersion', prefix, `too old resource version: ${fromRevision} (${this.compacted + 1})`, this.compacted + 1);
    }
    const w = new MemoryWatcher(prefix, this.watcherQueueSize, () => this.watchers.delete(w));
    for (const ev of this.history) if (ev.revision > fromRevision) w.offer(ev);
    this.watchers.add(w);
    return w;
  }

  async close(): Promise<void> {
    for (const w of [...this.watchers]) w.stop();
    this.journal?.close();
  }

  private emit(ev: StorageEvent): void {
    this.journal?.append(ev, () => this.data.values());
    this.history.push(ev);
    while (this.history.length > this.historySize) this.compacted = this.history.shift()!.revision;
    for (const w of [...this.watchers]) w.offer(ev);
  }
}

// One watcher: a bounded queue between the store (producer) and one consumer that may be slow.
class MemoryWatcher implements Watcher {
  private readonly queue: StorageEvent[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private error: Error | undefined;

  constructor(private readonly prefix: string, private readonly capacity: number, private readonly onStop: () => void) {}

  offer(ev: StorageEvent): void {
    if (this.done || !ev.key.startsWith(this.prefix)) return;
    if (this.queue.length >= this.capacity) {
      // Never buffer without bound: a consumer this far behind is cut off and must relist.
      this.finish(new StorageError('WatcherTooSlow', this.prefix, `watcher for ${this.prefix} fell ${this.capacity} events behind`));
      return;
    }
    this.queue.push(structuredClone(ev));
    this.wake?.();
  }

  stop(): void { this.finish(); }

  private finish(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    this.onStop();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StorageEvent> {
    try {
      for (;;) {
        const ev = this.queue.shift();
        if (ev) { yield ev; continue; }
        if (this.done) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = undefined;
      }
    } finally {
      this.stop();
    }
  }
}
