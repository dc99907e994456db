// kubectl delete: DELETE each named object with the grace period asked for, say so, then wait until the server no longer has it (kubectl/pkg/cmd/delete/delete.go, cmd/wait/delete.go).
import { StatusError } from '../../api/status.ts';
import type { ObjectMeta } from '../../api/types.ts';
import { Accept } from '../../client/rest-client.ts';
import { watch } from '../../client/watch.ts';
import { waitFor } from '../../util/wait.ts';
import { bool, num } from '../args.ts';
import type { APIResource } from '../discovery.ts';
import { collectionPath, discoverCoreResources, objectPath, resolveResource, splitTypeName } from '../discovery.ts';
import { CmdError } from '../errors.ts';
import type { Factory } from '../factory.ts';

type Obj = { metadata?: ObjectMeta & { resourceVersion?: string } };

export function parseDeleteTargets(positionals: string[]): { type: string; names: string[] } {
  if (positionals.length === 0) {
    throw new CmdError("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'");
  }
  const typed = splitTypeName(positionals[0]);
  if (typed) return { type: typed[0], names: positionals.map((p) => splitTypeName(p)?.[1] ?? p) };
  if (positionals.length === 1) throw new CmdError('resource(s) were provided, but no name was specified');
  return { type: positionals[0], names: positionals.slice(1) };
}

const isNotFound = (err: unknown) => err instanceof StatusError && err.code === 404;

// #region grace-period
// DeleteOptions.Complete and Validate: --now is --grace-period=1; a bare --grace-period=0 is turned into 1 so
// nobody force-deletes by accident; --force alone means 0, and says what that costs.
export function gracePeriodFlag(f: Factory): number {
  let grace = typeof f.args.flags['grace-period'] === 'number' ? num(f.args, 'grace-period') : -1;
  const force = bool(f.args, 'force');
  if (bool(f.args, 'now')) {
    if (grace !== -1) throw new CmdError('--now and --grace-period cannot be specified together');
    grace = 1;
  }
  if (grace === 0 && !force) grace = 1;
  if (force && grace < 0) grace = 0;
  if (force && grace > 0) throw new CmdError('--force and --grace-period greater than 0 cannot be specified together');
  return grace;
}
// #endregion grace-period

export async function runDelete(f: Factory): Promise<void> {
  const { type, names } = parseDeleteTargets(f.args.positionals);
  const grace = gracePeriodFlag(f);
  const client = f.client();
  const resource = resolveResource(await discoverCoreResources(client), type);
  const namespace = f.namespace();
  if (grace === 0) {
    f.streams.err.write('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
  }
  const deleted: { name: string; uid?: string }[] = [];
  let firstError: unknown;
  for (const name of names) {
    try {
      const gone = await client.json<Obj>({
        method: 'DELETE', path: objectPath(resource, namespace, name), accept: Accept.json,
        body: grace >= 0 ? { gracePeriodSeconds: grace, propagationPolicy: 'Background' } : { propagationPolicy: 'Background' },
        source: 'helper.go:202',
      });
      // The answer is the pod marked for deletion (or already gone): "deleted" means "asked to go".
      f.streams.out.write(`${resource.singularName || resource.kind.toLowerCase()} "${name}" ${grace === 0 ? 'force deleted' : 'deleted'}\n`);
      deleted.push({ name, uid: gone.metadata?.uid });
    } catch (err) {
      // kubectl reports each failure and goes on with the other names, then exits 1.
      if (firstError === undefined) firstError = err;
      else f.streams.err.write(`${(err as Error).message}\n`);
    }
  }
  if (bool(f.args, 'wait')) {
    for (const d of deleted) await waitForDeletion(f, resource, namespace, d.name, d.uid);
  }
  if (firstError !== undefined) throw firstError;
}

// A GET that answers 404 (or a new object under the same name) means gone; otherwise watch that one name until DELETED.
async function waitForDeletion(f: Factory, resource: APIResource, namespace: string, name: string, uid: string | undefined): Promise<void> {
  const client = f.client();
  for (;;) {
    let current: Obj;
    try {
      current = await client.json<Obj>({ path: objectPath(resource, namespace, name), accept: Accept.json, source: 'simple.go:247' });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (uid && current.metadata?.uid && current.metadata.uid !== uid) return;
    const events = watch<Obj>(client, collectionPath(resource, namespace), {
      query: { fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata?.resourceVersion },
    });
    let sawEvent = false;
    for await (const ev of events) {
      sawEvent = true;
      if (ev.type === 'DELETED') return;
      if (ev.type === 'ERROR') break; // e.g. 410 Gone: start over with a fresh GET
    }
    if (!sawEvent) {
      // A server that ends every watch at once would make this loop spin: poll instead, with a deadline.
      await waitFor(async () => {
        try { await client.json<Obj>({ path: objectPath(resource, namespace, name), accept: Accept.json }); return false; } catch (err) { if (isNotFound(err)) return true; throw err; }
      }, { timeoutMs: 5 * 60_000, what: `pod "${name}" to be deleted` });
      return;
    }
    // The server ended the watch without a DELETED: look again.
  }
}
