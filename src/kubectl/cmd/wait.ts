// kubectl wait --for=condition=Ready[=false] | --for=delete, --timeout: get the object, then watch it until the
// condition holds or the time is up (kubectl/pkg/cmd/wait: wait.go, condition.go ConditionalWait, delete.go IsDeleted).
import { StatusError } from '../../api/status.ts';
import type { ObjectMeta, WatchEvent } from '../../api/types.ts';
import { watch } from '../../client/watch.ts';
import { str } from '../args.ts';
import { collectionPath, discoverCoreResources, objectPath, resolveResource } from '../discovery.ts';
import { CmdError } from '../errors.ts';
import type { Factory } from '../factory.ts';
import { parseGetTargets } from './get.ts';

type Obj = { metadata: ObjectMeta; status?: { conditions?: { type: string; status: string }[] } };
export type WaitFor = { kind: 'delete' } | { kind: 'condition'; type: string; value: string };

// "condition=Ready" (value true), "condition=Ready=false", "delete".
export function parseWaitFor(text: string | undefined): WaitFor {
  if (!text) throw new CmdError('--for must be set');
  if (text.toLowerCase() === 'delete') return { kind: 'delete' };
  const m = /^condition=([^=]+)(?:=(.*))?$/.exec(text);
  if (m) return { kind: 'condition', type: m[1]!, value: m[2] ?? 'true' };
  throw new CmdError(`unrecognized condition: "${text}"`);
}

// Go's time.ParseDuration for what --timeout takes ("30s", "1m30s", "500ms", "0s"); a bare 0 is allowed too.
export function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 30_000;
  if (text === '0') return 0;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new CmdError(`invalid argument "${text}" for "--timeout" flag: time: invalid duration "${text}"`);
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * units[unit!]!, 0);
}

// A condition holds when the object has it with that status (compared without case, as kubectl does).
export function conditionMet(obj: Obj | undefined, want: WaitFor): boolean {
  if (want.kind === 'delete') return obj === undefined;
  const c = obj?.status?.conditions?.find((x) => x.type.toLowerCase() === want.type.toLowerCase());
  return c !== undefined && c.status.toLowerCase() === want.value.toLowerCase();
}

export async function runWait(f: Factory): Promise<void> {
  const want = parseWaitFor(str(f.args, 'for'));
  const timeoutMs = parseTimeout(str(f.args, 'timeout'));
  const { type, names } = parseGetTargets(f.args.positionals);
  if (names.length === 0) throw new CmdError('resource(s) were provided, but no name was specified');
  const client = f.client();
  const resource = resolveResource(await discoverCoreResources(client), type);
  const namespace = resource.namespaced ? f.namespace() : undefined;
  const singular = resource.singularName || resource.kind.toLowerCase();
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    const fieldSelector = `metadata.name=${name}`;
    const path = collectionPath(resource, namespace);
    // The resource finder GETs each named object. Not found is the error it is, except when waiting for a delete:
    // then there is nothing to wait for (kubectl ignores NotFound there, and prints nothing).
    let current: Obj | undefined;
    try { current = await client.get<Obj>(objectPath(resource, namespace, name)); } catch (err) {
      if (want.kind === 'delete' && err instanceof StatusError && err.code === 404) continue;
      throw err;
    }
    let rv = current.metadata.resourceVersion;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
    try {
      while (!conditionMet(current, want) && !stop.signal.aborted) {
        for await (const ev of watch<Obj>(client, path, { query: { fieldSelector, resourceVersion: rv }, signal: stop.signal }) as AsyncIterable<WatchEvent<Obj>>) {
          // An ERROR (410 Expired: the revision is gone) starts over from the current state.
          if (ev.type === 'ERROR') { rv = undefined; break; }
          rv = ev.object.metadata.resourceVersion;
          current = ev.type === 'DELETED' ? undefined : ev.object;
          if (conditionMet(current, want)) break;
        }
      }
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
    if (!conditionMet(current, want)) throw new CmdError(`timed out waiting for the condition on ${resource.name}/${name}`);
    f.streams.out.write(`${singular}/${name} condition met\n`);
  }
}
