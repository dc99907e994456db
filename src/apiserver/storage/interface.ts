// The storage seam: a key-value store with revisions and watch (k8s.io/apiserver/pkg/storage/interfaces.go, storage.Interface).
// The registry above it knows objects; this layer knows keys, opaque JSON values and one global revision counter,
// exactly what etcd gives, so an etcd backend can replace the in-memory one without touching the registry.

export interface KeyValue {
  key: string;
  value: unknown;
  // The revision of the last write to this key: the object's resourceVersion.
  modRevision: number;
}

export type StorageEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StorageEvent {
  type: StorageEventType;
  key: string;
  value: unknown;          // the new value; for DELETED, the last value before deletion
  prevValue?: unknown;     // for MODIFIED and DELETED: the value before this event
  revision: number;
}

// A watch: events with revision > the start revision, in order. Ends when stopped, or with an error
// when it falls too far behind (the consumer relists, as client-go's reflector does).
export interface Watcher extends AsyncIterable<StorageEvent> {
  stop(): void;
}

export type StorageErrorCode = 'KeyNotFound' | 'KeyExists' | 'Conflict' | 'TooOldResourceVersion' | 'WatcherTooSlow';

// storage.StorageError: the registry turns these into metav1.Status.
export class StorageError extends Error {
  constructor(readonly code: StorageErrorCode, readonly key: string, message: string, readonly revision?: number) {
    super(message);
    this.name = 'StorageError';
  }
}

// #region storage-interface
export interface Storage {
  get(key: string): Promise<KeyValue | undefined>;
  // Every key under prefix, plus the revision the list was read at (start a watch from it).
  list(prefix: string): Promise<{ items: KeyValue[]; revision: number }>;
  create(key: string, value: unknown): Promise<KeyValue>;
  // expectedRevision is the optimistic-concurrency precondition (etcd's Compare on mod_revision).
  update(key: string, value: unknown, expectedRevision?: number): Promise<KeyValue>;
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  // Events under prefix after fromRevision; throws TooOldResourceVersion if that history is gone.
  watch(prefix: string, fromRevision: number): Watcher;
  currentRevision(): number;
  close(): Promise<void>;
}
// #endregion storage-interface
