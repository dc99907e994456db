// What a DELETE does to an object before storage sees it: graceful or not, and for how long
// (k8s.io/apiserver/pkg/registry/rest/delete.go, BeforeDelete).
import type { KObject, RESTStrategy } from './strategy.ts';
import { timestamp } from './strategy.ts';

export interface Preconditions { uid?: string; resourceVersion?: string }

// metav1.DeleteOptions, the fields the workbook reads.
export interface DeleteOptions { gracePeriodSeconds?: number; preconditions?: Preconditions }

export type DeletePlan<T> =
  | { kind: 'now' }                                                   // remove it from storage
  | { kind: 'pending' }                                               // already being deleted, at least this fast
  | { kind: 'graceful'; object: T; gracePeriodSeconds: number };     // write the deletion marks first

// #region before-delete
export function beforeDelete<T extends KObject>(strategy: RESTStrategy<T>, obj: T, options: DeleteOptions, now = new Date()): DeletePlan<T> {
  // Negative values are treated as 1 s on the delete path.
  let grace = options.gracePeriodSeconds;
  if (grace !== undefined && grace < 0) grace = 1;
  if (!strategy.checkGracefulDelete) return { kind: 'now' };
  const meta = obj.metadata;
  const next = structuredClone(obj);
  if (meta.deletionTimestamp) {
    const current = meta.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds < 0 ? 1 : meta.deletionGracePeriodSeconds;
    // Marked with grace 0 (or none) but still stored: a delete that failed half-way, so finish it.
    if (!current) return { kind: 'now' };
    // A second delete may only shorten the grace period, never lengthen it.
    if (grace === undefined || grace >= current) return { kind: 'pending' };
    const end = Date.parse(meta.deletionTimestamp) - current * 1000 + grace * 1000;
    next.metadata.deletionTimestamp = timestamp(new Date(end));
    next.metadata.deletionGracePeriodSeconds = grace;
    return { kind: 'graceful', object: next, gracePeriodSeconds: grace };
  }
  const period = strategy.checkGracefulDelete(obj, grace);
  // deletionTimestamp is when the grace period ends, not when the delete was asked for.
  next.metadata.deletionTimestamp = timestamp(new Date(now.getTime() + period * 1000));
  next.metadata.deletionGracePeriodSeconds = period;
  return { kind: 'graceful', object: next, gracePeriodSeconds: period };
}
// #endregion before-delete
