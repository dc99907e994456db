// The `filters` query parameter (moby api/types/filters): JSON of key → values, in the list form
// ({"label":["a=b"]}) or the older map form ({"label":{"a=b":true}}), and how `docker ps` matches containers on it.
import { invalidParameter } from './errors.ts';

export type Filters = Map<string, string[]>;

export function parseFilters(raw: string | null | undefined): Filters {
  const out: Filters = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try { parsed = JSON.parse(raw); } catch { throw invalidParameter(`invalid filter: ${raw}`); }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter(`invalid filter: ${raw}`);
  for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k]) : undefined;
    if (!values || values.some((x) => typeof x !== 'string')) throw invalidParameter(`invalid filter: ${raw}`);
    out.set(key, values as string[]);
  }
  return out;
}

// What a container offers to `docker ps` filters.
export interface FilterableContainer { id: string; name: string; labels: Record<string, string>; status: string }

const CONTAINER_FILTERS = new Set(['label', 'name', 'id', 'status']);
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

// Refuses a filter the engine does not know, as moby's filters.Validate does, before any container is looked at.
export function validateContainerFilters(f: Filters): void {
  for (const key of f.keys()) if (!CONTAINER_FILTERS.has(key)) throw invalidParameter(`invalid filter '${key}'`);
  for (const s of f.get('status') ?? []) {
    if (!STATUSES.has(s)) throw invalidParameter(`invalid filter 'status=${s}'`);
  }
}

// Values of one key are alternatives (any may match); different keys must all match.
export function matchContainer(f: Filters, c: FilterableContainer): boolean {
  const any = (key: string, test: (v: string) => boolean) => {
    const vs = f.get(key);
    return !vs || vs.length === 0 || vs.some(test);
  };
  // label: every label filter must hold ("key" present, or "key=value" equal), as filters.MatchKVList.
  const labels = f.get('label') ?? [];
  for (const l of labels) {
    const eq = l.indexOf('=');
    if (eq < 0 ? !(l in c.labels) : c.labels[l.slice(0, eq)] !== l.slice(eq + 1)) return false;
  }
  return any('id', (v) => c.id.startsWith(v)) &&
    // name is a regular expression over "/name" (filters.Match); a bad one matches by substring
    any('name', (v) => { try { return new RegExp(v).test(`/${c.name}`); } catch { return `/${c.name}`.includes(v); } }) &&
    any('status', (v) => v === c.status);
}
