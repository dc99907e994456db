// The audit.k8s.io/v1 Event: one record per request stage (k8s.io/apiserver/pkg/apis/audit/v1/types.go), and
// the MicroTime its timestamps use. Pure: building and serialising, no I/O.
import type { Status } from '../../api/status.ts';
import type { UserInfo } from '../request-context.ts';

// #region audit-event
export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion?: string;
  subresource?: string;
}

// authentication/v1 UserInfo, as an Event carries it.
export interface AuditUser { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }

export function auditUser(u: UserInfo | undefined): AuditUser {
  if (!u) return {};
  return { username: u.name, uid: u.uid, groups: u.groups.length ? u.groups : undefined, extra: u.extra };
}

// Field order is Go's struct order, so a line reads like the real API server's.
export interface Event {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: Exclude<Level, 'None'>;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: Partial<Status>;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}
// #endregion audit-event

export const levelOrder: Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const stages: Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

// Level.Less / GreaterOrEqual, as the audit code compares them.
export function levelAtLeast(level: Level, min: Level): boolean { return levelOrder.indexOf(level) >= levelOrder.indexOf(min); }

// metav1.MicroTime: RFC 3339 with exactly six fractional digits, in UTC ("2026-12-02T08:00:00.123456Z").
export function microTime(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const iso = new Date(ms).toISOString(); // ...T08:00:00.123Z
  const micros = String(Math.floor(epochMicros) % 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

// The clock audit reads: microseconds since the epoch (Date has only milliseconds).
export function nowMicros(): number { return Math.floor((performance.timeOrigin + performance.now()) * 1000); }

// The bounded copy of a response Status LogResponseObject keeps at every level from Metadata: the code, and for a
// Status body its status, message, reason and details (never the whole object below RequestResponse).
export function responseStatusOf(code: number, body?: Partial<Status>): Partial<Status> {
  const s: Partial<Status> = { metadata: {} };
  if (body?.status) s.status = body.status;
  if (body?.message) s.message = body.message;
  if (body?.reason) s.reason = body.reason;
  if (body?.details) s.details = body.details;
  s.code = code;
  return s;
}
