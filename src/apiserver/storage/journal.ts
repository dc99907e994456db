// What the in-memory store keeps on disk, so that an API server restarted after a crash (the supervisor restarts
// one, as systemd would) finds its objects and its revision again, as a real one finds them in etcd. Without it the
// restarted API server is empty, and every kubelet stops the containers of pods that are "gone".
// Each write is one JSON line appended to a journal; every 5,000 lines the whole store goes to a snapshot and the
// journal starts again. Writes reach the kernel before the client is answered (write(2), no fsync): a process that
// crashes loses nothing, a machine that crashes may lose its last writes. etcd would fsync; this is not etcd.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyValue, StorageEvent } from './interface.ts';

export interface StorageJournal {
  // What the journal holds: every live key with its revision, and the revision of the last write.
  load(): { items: KeyValue[]; revision: number };
  // One write, once the store has applied it; `all` gives every live key, for a snapshot.
  append(ev: StorageEvent, all: () => Iterable<KeyValue>): void;
  close(): void;
}

// A line of the journal: a key's new value at a revision, or its deletion.
type Line = { rev: number; key: string; value: unknown } | { rev: number; key: string; deleted: true };

interface Snapshot { revision: number; items: KeyValue[] }

export class FileJournal implements StorageJournal {
  private readonly snapshotPath: string;
  private readonly journalPath: string;
  private fd: number | undefined;
  private lines = 0;

  constructor(readonly dir: string, private readonly linesPerSnapshot = 5000) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.snapshotPath = join(dir, 'snapshot.json');
    this.journalPath = join(dir, 'journal.jsonl');
  }

  load(): { items: KeyValue[]; revision: number } {
    const snapshot: Snapshot = existsSync(this.snapshotPath)
      ? JSON.parse(readFileSync(this.snapshotPath, 'utf8')) as Snapshot
      : { revision: 0, items: [] };
    const data = new Map(snapshot.items.map((kv) => [kv.key, kv]));
    let revision = snapshot.revision;
    const bytes = existsSync(this.journalPath) ? readFileSync(this.journalPath) : Buffer.alloc(0);
    // A crash in the middle of a write leaves a last line without its newline: that write never answered anyone.
    const end = bytes.lastIndexOf(0x0a) + 1;
    const complete = bytes.subarray(0, end).toString('utf8').split('\n').slice(0, -1);
    complete.forEach((raw, i) => {
      let line: Line;
      try { line = JSON.parse(raw) as Line; } catch {
        throw new Error(`${this.journalPath}:${i + 1}: not a journal line; the API server's storage is damaged (delete the folder to start empty)`);
      }
      if (line.rev <= revision) return; // in the snapshot already (a crash between the snapshot and the journal's reset)
      if ('deleted' in line) data.delete(line.key);
      else data.set(line.key, { key: line.key, value: line.value, modRevision: line.rev });
      revision = line.rev;
    });
    this.lines = complete.length;
    this.fd = openSync(this.journalPath, 'a', 0o600);
    if (end < bytes.length) ftruncateSync(this.fd, end); // the torn line goes, so the next write starts a line of its own
    return { items: [...data.values()], revision };
  }

  append(ev: StorageEvent, all: () => Iterable<KeyValue>): void {
    if (this.fd === undefined) throw new Error('the storage journal is not open: load() it first');
    const line: Line = ev.type === 'DELETED' ? { rev: ev.revision, key: ev.key, deleted: true } : { rev: ev.revision, key: ev.key, value: ev.value };
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    if (++this.lines < this.linesPerSnapshot) return;
    // The snapshot replaces the old one whole (rename), then the journal starts again.
    const tmp = `${this.snapshotPath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ revision: ev.revision, items: [...all()] } satisfies Snapshot), { mode: 0o600 });
    renameSync(tmp, this.snapshotPath);
    ftruncateSync(this.fd, 0);
    this.lines = 0;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
