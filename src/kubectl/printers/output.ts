// The -o json|yaml|name printers: sorted keys as kubectl's unstructured objects print (cli-runtime printers/json.go, yaml.go, name.go).
import { Document, Scalar, visit } from 'yaml';

type Obj = { kind?: string; apiVersion?: string; metadata?: { name?: string }; [k: string]: unknown };
type Typed = { kind?: string; apiVersion?: string };

// kubectl decodes into unstructured maps, and Go marshals maps with their keys sorted.
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

// A list prints as kind List (items keep their own kind), the way kubectl get -o yaml prints a collection.
export function asList(items: unknown[]): unknown {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

// List items from the server may omit kind/apiVersion; kubectl fills them in from the list's kind.
export function withTypeMeta<T extends Typed>(items: T[], listKind: string | undefined, apiVersion = 'v1'): T[] {
  const kind = listKind?.endsWith('List') ? listKind.slice(0, -4) : listKind;
  return items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind }));
}

export function printJSON(obj: unknown): string {
  return `${JSON.stringify(sortKeys(obj), null, 4)}\n`;
}

export function printYAML(obj: unknown): string {
  const doc = new Document(sortKeys(obj));
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && isYAML11Ambiguous(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0 });
}

// go-yaml quotes strings a YAML 1.1 reader would take for something else: timestamps, numbers, booleans.
function isYAML11Ambiguous(s: string): boolean {
  return /^\d{4}-\d\d?-\d\d?([Tt ].*)?$/.test(s)
    || /^[-+]?(\.\d+|\d[\d_]*(\.\d*)?)([eE][-+]?\d+)?$/.test(s)
    || /^0x[0-9a-fA-F]+$/.test(s)
    || /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|~)$/.test(s);
}

// -o name: "<kind lower-case>/<name>", kind from the object.
export function printName(obj: Obj, fallbackKind?: string): string {
  return `${(obj.kind ?? fallbackKind ?? '').toLowerCase()}/${obj.metadata?.name ?? ''}\n`;
}
