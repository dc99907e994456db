// What makes one resource different from another in the generic registry (k8s.io/apiserver/pkg/registry/rest: RESTCreateStrategy, RESTUpdateStrategy, TableConvertor).
import type { ObjectMeta } from '../../api/types.ts';
import type { TableColumnDefinition, TableRow } from '../../api/table.ts';
import type { FieldError } from './validation.ts';

export interface KObject { kind?: string; apiVersion?: string; metadata: ObjectMeta }

// Turns objects into Table rows, like the printers in pkg/printers/internalversion.
export interface TableConvertor<T> {
  columns: TableColumnDefinition[];
  row(obj: T, now: Date): TableRow;
}

// #region strategy
export interface RESTStrategy<T extends KObject> {
  group?: string;            // the API group ("coordination.k8s.io"); absent for the core group under /api
  version?: string;          // the group's version ("v1"); the core group is always v1
  resource: string;          // plural, the URL segment: "pods"
  singular: string;          // "pod"
  kind: string;              // "Pod"
  shortNames: string[];      // ["po"]: kubectl needs these to accept `get po`
  namespaced: boolean;
  // Namespaces are DNS-1123 labels; most other names are DNS-1123 subdomains.
  nameIsLabel?: boolean;
  // Names validated otherwise (RBAC's: any path segment, so "system:masters"); an answer without errors is safe to store.
  nameErrors?(field: string, name: string): FieldError[];
  // Defaulting and clearing what a client may not set (status on create, for instance).
  prepareForCreate(obj: T): void;
  validate(obj: T): FieldError[];
  // Keeps what a main-resource PUT may not change (status lives in the status subresource).
  prepareForUpdate(obj: T, old: T): void;
  validateUpdate(obj: T, old: T): FieldError[];
  // The fields a fieldSelector may use (pod.ToSelectableFields), always with metadata.name/namespace.
  selectableFields(obj: T): Record<string, string>;
  fieldLabels: readonly string[];
  table: TableConvertor<T>;
  // RESTGracefulDeleteStrategy.CheckGracefulDelete: absent, a delete removes the object at once. Present, it
  // answers the grace period in seconds this delete gets (0: remove at once, after marking it as deleting).
  checkGracefulDelete?(obj: T, gracePeriodSeconds: number | undefined): number;
  // Reads a whole object from kubectl's protobuf body (the "k8s\0" envelope); absent, only metadata-only kinds are read.
  decodeProtobuf?(body: Uint8Array): unknown;
  // The verbs discovery lists and the handler serves; absent: all of them.
  verbs?: readonly Verb[];
}
// #endregion strategy

export type Verb = 'create' | 'delete' | 'get' | 'list' | 'patch' | 'update' | 'watch';
export const allVerbs: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

// "v1" for the core group, "coordination.k8s.io/v1" for a named one: an object's apiVersion and its URL prefix.
export const groupVersion = (s: { group?: string; version?: string }) => (s.group ? `${s.group}/${s.version ?? 'v1'}` : 'v1');

// RFC 3339 at whole seconds, as metav1.Time marshals.
export const timestamp = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function metaFields(meta: ObjectMeta, namespaced: boolean): Record<string, string> {
  const f: Record<string, string> = { 'metadata.name': meta.name ?? '' };
  if (namespaced) f['metadata.namespace'] = meta.namespace ?? '';
  return f;
}
