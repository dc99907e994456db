// The engine's event stream (moby daemon/events): what happened to containers and execs, for `docker events`;
// the last 256 kept for `--since`, new ones sent to each subscriber as they happen.
import type { Filters } from './filters.ts';

export interface EventMessage {
  status: string; id: string; from: string;            // the fields API < 1.22 clients read
  Type: 'container';
  Action: string;                                       // "start", "die", "exec_create: sh -c …"
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;                                         // unix seconds
  timeNano: number;
}

const KEEP = 256;

export class Events {
  private recent: EventMessage[] = [];
  private subscribers = new Set<(e: EventMessage) => void>();

  log(action: string, actor: { id: string; name: string; image: string }, extra: Record<string, string> = {}): void {
    const nowMs = Date.now();
    const e: EventMessage = {
      status: action, id: actor.id, from: actor.image, Type: 'container', Action: action,
      Actor: { ID: actor.id, Attributes: { image: actor.image, name: actor.name, ...extra } },
      scope: 'local', time: Math.floor(nowMs / 1000), timeNano: nowMs * 1e6,
    };
    this.recent.push(e);
    if (this.recent.length > KEEP) this.recent.shift();
    for (const s of this.subscribers) s(e);
  }

  // The kept events from `since` on, then (if `follow`) each new one; returns the way to stop.
  subscribe(since: number | undefined, fn: (e: EventMessage) => void, follow: boolean): () => void {
    for (const e of this.recent) if (since === undefined || e.timeNano / 1e9 >= since) fn(e);
    if (!follow) return () => {};
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}

// `docker events --filter`: type, container (id, id prefix or name), event (action, without an exec's command).
export function matchEvent(f: Filters, e: EventMessage): boolean {
  const any = (key: string, test: (v: string) => boolean) => { const vs = f.get(key); return !vs || vs.length === 0 || vs.some(test); };
  return any('type', (v) => v === e.Type) &&
    any('container', (v) => e.Actor.ID.startsWith(v) || e.Actor.Attributes.name === v) &&
    any('event', (v) => e.Action === v || e.Action.startsWith(`${v}:`));
}
