// The generic registry: create/get/list/update/delete/watch for any resource, over storage.Interface
// (k8s.io/apiserver/pkg/registry/generic/registry/store.go, genericregistry.Store).
import { randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, conflict, expired, invalid, notFound, StatusError } from '../../api/status.ts';
import { StorageError } from '../storage/interface.ts';
import type { Storage, Watcher } from '../storage/interface.ts';
import { beforeDelete, type DeleteOptions, type DeletePlan, type Preconditions } from './delete.ts';
import type { KObject, RESTStrategy } from './strategy.ts';
import type { RequestContext } from '../request-context.ts';
import { groupVersion, timestamp } from './strategy.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, isSafeName, required } from './validation.ts';
import type { FieldError } from './validation.ts';

export interface StoreEvent<T> { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T; prev?: T }
export interface StoreWatch<T> extends AsyncIterable<StoreEvent<T>> { stop(): void }
export type { DeleteOptions, Preconditions };

// A hook run before create (admission, in Kubernetes terms): NamespaceLifecycle is one.
export type AdmitFn<T> = (obj: T) => Promise<void>;

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

// names.SimpleNameGenerator: generateName plus five random characters.
export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return base.slice(0, 58) + suffix;
}

export { timestamp };

export class Store<T extends KObject> {
  readonly admit: AdmitFn<T>[] = [];
  // Hooks around delete: refusing to delete (the default namespace), cleaning up after (a namespace's pods).
  readonly beforeDelete: ((obj: T) => Promise<void>)[] = [];
  readonly afterDelete: ((obj: T) => Promise<void>)[] = [];
  // Checks of who writes what (chapter 9: RBAC's escalation check, rbac's policybased storage): they see the request's
  // context, where the user is. Run on create and update, after validation; none on the way in from internal callers.
  readonly beforeWrite: ((obj: T, context: RequestContext | undefined) => Promise<void>)[] = [];

  constructor(private readonly storage: Storage, readonly strategy: RESTStrategy<T>) {}

  get resource(): string { return this.strategy.resource; }

  private key(namespace: string | undefined, name: string): string {
    return this.strategy.namespaced ? `/registry/${this.resource}/${namespace}/${name}` : `/registry/${this.resource}/${name}`;
  }

  prefix(namespace?: string): string {
    return namespace && this.strategy.namespaced ? `/registry/${this.resource}/${namespace}/` : `/registry/${this.resource}/`;
  }

  // The versioner: storage's modRevision becomes metadata.resourceVersion.
  private decode(value: unknown, revision: number): T {
    const obj = value as T;
    obj.kind = this.strategy.kind;
    obj.apiVersion = groupVersion(this.strategy);
    obj.metadata.resourceVersion = String(revision);
    return obj;
  }

  private encode(obj: T): T {
    const copy = structuredClone(obj);
    delete copy.metadata.resourceVersion;
    return copy;
  }

  private mapError(err: unknown, name: string): never {
    if (err instanceof StorageError) {
      if (err.code === 'KeyNotFound') throw notFound(this.resource, name);
      if (err.code === 'KeyExists') throw alreadyExists(this.resource, name);
      if (err.code === 'Conflict') throw conflict(this.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
      if (err.code === 'TooOldResourceVersion') throw expired(err.message);
    }
    throw err;
  }

  private failIfInvalid(obj: T, errs: FieldError[]): void {
    if (errs.length) throw invalid(this.strategy.kind, obj.metadata.name ?? '', errs);
  }

  // #region store-create
  async create(namespace: string | undefined, obj: T, context?: RequestContext): Promise<T> {
    const meta = (obj.metadata ??= {});
    if (this.strategy.namespaced) {
      // rest.BeforeCreate: the URL names the namespace; the body may repeat it, never contradict it.
      if (meta.namespace && meta.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace;
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    this.strategy.prepareForCreate(obj);
    const nameErrors = this.strategy.nameErrors?.bind(this.strategy) ?? (this.strategy.nameIsLabel ? dns1123LabelErrors : dns1123SubdomainErrors);
    const errs = meta.name ? nameErrors('metadata.name', meta.name) : [required('metadata.name', 'name or generateName is required')];
    this.failIfInvalid(obj, [...errs, ...this.strategy.validate(obj)]);
    for (const check of this.beforeWrite) await check(obj, context);
    for (const admit of this.admit) await admit(obj);
    try {
      const kv = await this.storage.create(this.key(namespace, meta.name!), this.encode(obj));
      return this.decode(kv.value, kv.modRevision);
    } catch (err) { this.mapError(err, meta.name!); }
  }
  // #endregion store-create

  async get(namespace: string | undefined, name: string): Promise<T> {
    const safe = this.strategy.nameErrors ? this.strategy.nameErrors('metadata.name', name).length === 0 : isSafeName(name);
    if (!safe) throw notFound(this.resource, name);
    const kv = await this.storage.get(this.key(namespace, name));
    if (!kv) throw notFound(this.resource, name);
    return this.decode(kv.value, kv.modRevision);
  }

  async list(namespace: string | undefined, filter: (obj: T) => boolean = () => true): Promise<{ items: T[]; resourceVersion: string }> {
    const { items, revision } = await this.storage.list(this.prefix(namespace));
    return { items: items.map((kv) => this.decode(kv.value, kv.modRevision)).filter(filter), resourceVersion: String(revision) };
  }

  // PUT: replace the object. A resourceVersion in the body is a precondition (409 on mismatch); none means "whatever is there".
  async update(namespace: string | undefined, name: string, obj: T, context?: RequestContext): Promise<T> {
    const meta = (obj.metadata ??= {});
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    if (this.strategy.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (this.beforeWrite.length) {
      const incoming = structuredClone(obj);
      incoming.metadata = { ...incoming.metadata, name, ...(this.strategy.namespaced ? { namespace } : {}) };
      this.strategy.prepareForUpdate(incoming, incoming);
      for (const check of this.beforeWrite) await check(incoming, context);
    }
    const expected = meta.resourceVersion ? parseRevision(meta.resourceVersion) : undefined;
    return this.guaranteedUpdate(namespace, name, (old) => {
      const next = structuredClone(obj);
      next.metadata = { ...next.metadata, name, namespace: old.metadata.namespace, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp };
      // Only a DELETE sets the deletion marks; an update keeps them as they are (and cannot add them).
      delete next.metadata.deletionTimestamp;
      delete next.metadata.deletionGracePeriodSeconds;
      if (old.metadata.deletionTimestamp) next.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) next.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      this.strategy.prepareForUpdate(next, old);
      this.failIfInvalid(next, this.strategy.validateUpdate(next, old));
      return next;
    }, expected);
  }

  // storage.GuaranteedUpdate: read, transform, write with the read revision as precondition; retry on
  // conflict unless the caller pinned a revision (then the conflict is the caller's to see).
  async guaranteedUpdate(namespace: string | undefined, name: string, tryUpdate: (cur: T) => T | Promise<T>, expectedRevision?: number): Promise<T> {
    for (;;) {
      const cur = await this.get(namespace, name);
      const curRev = Number(cur.metadata.resourceVersion);
      if (expectedRevision !== undefined && expectedRevision !== curRev) this.mapError(new StorageError('Conflict', name, 'conflict'), name);
      const next = await tryUpdate(structuredClone(cur));
      try {
        const kv = await this.storage.update(this.key(namespace, name), this.encode(next), curRev);
        return this.decode(kv.value, kv.modRevision);
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Conflict' && expectedRevision === undefined) continue;
        this.mapError(err, name);
      }
    }
  }

  // Without options (an internal caller), the object goes at once. With options (every DELETE request), a
  // strategy that deletes gracefully first marks it with deletionTimestamp and deletionGracePeriodSeconds;
  // it is removed when that period is 0, or later by whoever finishes the deletion (for pods, the kubelet).
  // Either way the answer is the object: as marked, or as it was when removed.
  async delete(namespace: string | undefined, name: string, options?: DeleteOptions): Promise<T> {
    const pre = options?.preconditions ?? {};
    let cur = await this.get(namespace, name);
    this.checkPreconditions(cur, pre);
    for (const hook of this.beforeDelete) await hook(cur);
    for (;;) {
      const plan: DeletePlan<T> = options ? beforeDelete(this.strategy, cur, options) : { kind: 'now' };
      if (plan.kind === 'pending') return cur;
      let marked = false;
      if (plan.kind === 'graceful') {
        const written = await this.write(namespace, name, plan.object, cur);
        if (!written) { cur = await this.get(namespace, name); this.checkPreconditions(cur, pre); continue; }
        if (plan.gracePeriodSeconds > 0) return written;
        cur = written;
        marked = true;
      }
      let deleted: T;
      try {
        const kv = await this.storage.delete(this.key(namespace, name), Number(cur.metadata.resourceVersion));
        deleted = this.decode(kv.value, kv.modRevision);
      } catch (err) {
        // Marked with grace 0 and removed by someone else meanwhile (the kubelet, a second delete): done.
        if (marked && err instanceof StorageError && err.code === 'KeyNotFound') return cur;
        if (err instanceof StorageError && err.code === 'Conflict') { cur = await this.get(namespace, name); this.checkPreconditions(cur, pre); continue; }
        this.mapError(err, name);
      }
      for (const hook of this.afterDelete) await hook(deleted);
      return deleted;
    }
  }

  private checkPreconditions(cur: T, pre: Preconditions): void {
    const name = cur.metadata.name ?? '';
    if (pre.uid && pre.uid !== cur.metadata.uid) {
      throw conflict(this.resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw conflict(this.resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`);
    }
  }

  // One conditional write at cur's revision: the new object, or undefined if cur is no longer current.
  private async write(namespace: string | undefined, name: string, next: T, cur: T): Promise<T | undefined> {
    try {
      const kv = await this.storage.update(this.key(namespace, name), this.encode(next), Number(cur.metadata.resourceVersion));
      return this.decode(kv.value, kv.modRevision);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Conflict') return undefined;
      this.mapError(err, name);
    }
  }

  // #region store-watch
  // resourceVersion absent or "0": the current state as synthetic ADDED events, then changes.
  // Any other value: exactly the changes after that revision (410 Expired if already compacted).
  async watch(namespace: string | undefined, resourceVersion: string | undefined): Promise<StoreWatch<T>> {
    const prefix = this.prefix(namespace);
    let initial: T[] = [];
    let from: number;
    if (!resourceVersion || resourceVersion === '0') {
      const listed = await this.storage.list(prefix);
      initial = listed.items.map((kv) => this.decode(kv.value, kv.modRevision));
      from = listed.revision;
    } else from = parseRevision(resourceVersion);
    let watcher: Watcher;
    try { watcher = this.storage.watch(prefix, from); } catch (err) { this.mapError(err, ''); }
    const decode = (v: unknown, rev: number) => this.decode(structuredClone(v), rev);
    const events = async function* (): AsyncGenerator<StoreEvent<T>> {
      for (const object of initial) yield { type: 'ADDED', object };
      for await (const ev of watcher) {
        yield { type: ev.type, object: decode(ev.value, ev.revision), prev: ev.prevValue === undefined ? undefined : decode(ev.prevValue, ev.revision) };
      }
    };
    return { stop: () => watcher.stop(), [Symbol.asyncIterator]: events };
  }
  // #endregion store-watch
}

export function parseRevision(rv: string): number {
  if (!/^\d+$/.test(rv)) throw new StatusError(badRequest(`invalid resource version "${rv}"`).status);
  return Number(rv);
}
