// kubectl get: list or read objects, ask the server for a Table, print it, and with -w keep printing what the watch reports (kubectl/pkg/cmd/get/get.go).
import type { Writable } from 'node:stream';
import { StatusError } from '../../api/status.ts';
import type { Status } from '../../api/status.ts';
import type { ObjectMeta, WatchEvent } from '../../api/types.ts';
import { Accept } from '../../client/rest-client.ts';
import type { Query } from '../../client/rest-client.ts';
import { watch } from '../../client/watch.ts';
import { bool, str } from '../args.ts';
import type { APIResource } from '../discovery.ts';
import { collectionPath, discoverCoreResources, objectPath, resolveResource, splitTypeName } from '../discovery.ts';
import { CmdError, ExitError } from '../errors.ts';
import type { Factory } from '../factory.ts';
import { asList, printJSON, printName, printYAML, withTypeMeta } from '../printers/output.ts';
import type { Table } from '../printers/table-printer.ts';
import { isTable, tableFromObjects, TablePrinter } from '../printers/table-printer.ts';

type Obj = { kind?: string; apiVersion?: string; metadata?: ObjectMeta & { resourceVersion?: string }; items?: Obj[]; [k: string]: unknown };

const formats = ['', 'wide', 'json', 'yaml', 'name'];
// kubectl's get helper logs bodies from these lines (resource/helper.go Get and List).
const sources = { get: 'helper.go:105', list: 'helper.go:113' };

export function parseGetTargets(positionals: string[]): { type: string; names: string[] } {
  if (positionals.length === 0) {
    throw new CmdError('Required resource not specified.', 1,
      'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee \'kubectl get -h\' for help and examples');
  }
  const typed = splitTypeName(positionals[0]);
  if (typed) {
    const names = positionals.map((p) => {
      const tn = splitTypeName(p);
      if (!tn) throw new CmdError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`);
      if (tn[0] !== typed[0]) throw new CmdError('mixing resource types in TYPE/NAME form is not supported by this kubectl');
      return tn[1];
    });
    return { type: typed[0], names };
  }
  return { type: positionals[0], names: positionals.slice(1) };
}

export async function runGet(f: Factory): Promise<void> {
  const p = f.args;
  const output = str(p, 'output') ?? '';
  if (!formats.includes(output)) {
    throw new CmdError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${formats.filter(Boolean).sort().join(',')}`);
  }
  if (p.positionals.length === 0) {
    f.streams.err.write('You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\n');
  }
  const { type, names } = parseGetTargets(p.positionals);
  const allNamespaces = bool(p, 'all-namespaces');
  if (bool(p, 'watch') && names.length > 1) {
    throw new CmdError(`watch is only supported on individual resources and resource collections, but ${names.length} resources were found`);
  }
  const client = f.client();
  const resource = resolveResource(await discoverCoreResources(client), type);
  const namespace = allNamespaces ? undefined : f.namespace();
  const tableMode = output === '' || output === 'wide';
  const accept = tableMode ? Accept.table : Accept.json;
  const printer = new TablePrinter({ wide: output === 'wide', withNamespace: allNamespaces && resource.namespaced && names.length === 0, noHeaders: bool(p, 'no-headers') });
  const out = f.streams.out;

  let fetched: Obj[];
  let listRV: string | undefined;
  if (names.length > 0) {
    fetched = [];
    for (const name of names) {
      fetched.push(await client.json<Obj>({ path: objectPath(resource, namespace, name), accept, source: sources.get }));
    }
  } else {
    const query: Query = { limit: '500', labelSelector: str(p, 'selector'), fieldSelector: str(p, 'field-selector') };
    const list = await client.json<Obj>({ path: collectionPath(resource, namespace), query, accept, source: sources.list });
    listRV = list.metadata?.resourceVersion;
    fetched = [list];
  }

  const printed = printFetched(fetched, names.length > 0, output, resource, printer, out);
  // With -w kubectl stays quiet about an empty list: rows may yet arrive.
  if (!printed && names.length === 0 && !bool(p, 'watch')) {
    f.streams.err.write(resource.namespaced && !allNamespaces ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
  }
  if (bool(p, 'watch')) await watchAndPrint(f, resource, namespace, names[0], listRV, output, printer);
}

// Returns whether anything was printed.
function printFetched(fetched: Obj[], named: boolean, output: string, resource: APIResource, printer: TablePrinter, out: Writable): boolean {
  if (output === '' || output === 'wide') {
    const rows = fetched.flatMap((o) => toTable(o).rows);
    const first = fetched.find(isTable) as Table | undefined;
    const text = printer.print({ ...(first ?? tableFromObjects([])), rows });
    out.write(text);
    return text !== '';
  }
  const objects = named ? withTypeMeta(fetched, resource.kind + 'List') : fetched.flatMap((l) => withTypeMeta(l.items ?? [], l.kind ?? `${resource.kind}List`));
  if (output === 'name') {
    for (const o of objects) out.write(printName(o, resource.kind));
    return objects.length > 0;
  }
  const doc = named && objects.length === 1 ? objects[0] : asList(objects);
  out.write(output === 'json' ? printJSON(doc) : printYAML(doc));
  return objects.length > 0 || !named;
}

function toTable(o: Obj): Table {
  if (isTable(o)) return o;
  return tableFromObjects(o.items ?? [o]);
}

// A list's resourceVersion starts the watch after what was printed; a single object's watch starts at "0",
// whose first (synthetic ADDED) event repeats the row already shown and is skipped.
async function watchAndPrint(
  f: Factory, resource: APIResource, namespace: string | undefined, name: string | undefined,
  listRV: string | undefined, output: string, printer: TablePrinter,
): Promise<void> {
  const p = f.args;
  const query: Query = name
    ? { fieldSelector: `metadata.name=${name}`, resourceVersion: '0' }
    : { labelSelector: str(p, 'selector'), fieldSelector: str(p, 'field-selector'), resourceVersion: listRV };
  const tableMode = output === '' || output === 'wide';
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  let skipFirst = name !== undefined;
  try {
    const events = watch<Obj>(f.client(), collectionPath(resource, namespace), { query, accept: tableMode ? Accept.table : Accept.json, signal: stop.signal });
    for await (const event of events as AsyncIterable<WatchEvent<Obj>>) {
      if (event.type === 'ERROR') throw new StatusError(event.object as unknown as Status);
      if (event.type === 'BOOKMARK') continue;
      if (skipFirst) { skipFirst = false; continue; }
      const [obj] = withTypeMeta([event.object], `${resource.kind}List`);
      if (tableMode) f.streams.out.write(printer.print(toTable(obj)));
      else if (output === 'name') f.streams.out.write(printName(obj, resource.kind));
      else f.streams.out.write(output === 'json' ? printJSON(obj) : `---\n${printYAML(obj)}`);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  // kubectl's interrupt handler ends the process with exit code 1 (kubectl/pkg/util/interrupt).
  if (stop.signal.aborted) throw new ExitError(1);
}
