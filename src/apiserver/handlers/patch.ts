// Patches, pure: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and the strategic merge patch subset our objects need
// (k8s.io/apimachinery/pkg/util/strategicpatch: lists merged by their patchMergeKey).

type JSONValue = unknown;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// RFC 7386: objects merge key by key, null deletes, everything else replaces.
export function mergePatch(target: JSONValue, patch: JSONValue): JSONValue {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// The patchMergeKey of the list fields a kubelet or scheduler patches (from the `patchMergeKey` tags in k8s.io/api/core/v1/types.go).
const mergeKeys: Record<string, string> = {
  conditions: 'type',
  addresses: 'type',
  containers: 'name',
  initContainers: 'name',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  env: 'name',
  ports: 'containerPort',
  podIPs: 'ip',
};

// Strategic merge: like a merge patch, but keyed lists merge item by item, `$patch: delete` removes an
// item, and the `$setElementOrder`/`$retainKeys` directives (ordering hints) are accepted and ignored.
export function strategicMergePatch(target: JSONValue, patch: JSONValue, field = ''): JSONValue {
  if (Array.isArray(patch) && mergeKeys[field] && Array.isArray(target)) return mergeList(target, patch, mergeKeys[field]);
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}

function mergeList(target: unknown[], patch: unknown[], key: string): unknown[] {
  const out = structuredClone(target);
  for (const item of patch) {
    if (!isObject(item) || !(key in item)) { out.push(structuredClone(item)); continue; }
    const i = out.findIndex((t) => isObject(t) && t[key] === item[key]);
    if (item.$patch === 'delete') { if (i >= 0) out.splice(i, 1); continue; }
    if (i >= 0) out[i] = strategicMergePatch(out[i], item);
    else out.push(strategicMergePatch({}, item));
  }
  return out;
}

// JSON patch (RFC 6902): a list of operations on JSON pointers, applied in order, all or nothing.
export class JSONPatchError extends Error {}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JSONPatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function locate(doc: unknown, tokens: string[]): { parent: unknown; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new JSONPatchError(`path component ${JSON.stringify(t)} does not exist`);
    if (cur === undefined) throw new JSONPatchError(`path component ${JSON.stringify(t)} does not exist`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur) && /^\d+$/.test(t) && Number(t) < cur.length) cur = cur[Number(t)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new JSONPatchError(`unable to find ${JSON.stringify(path)}`);
  }
  return cur;
}

function removeAt(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (!tokens.length) throw new JSONPatchError('cannot remove the whole document');
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent) && /^\d+$/.test(key) && Number(key) < parent.length) return parent.splice(Number(key), 1)[0];
  if (isObject(parent) && Object.hasOwn(parent, key)) { const v = parent[key]; delete parent[key]; return v; }
  throw new JSONPatchError(`unable to remove nonexistent key ${JSON.stringify(path)}`);
}

function addAt(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(path);
  if (!tokens.length) return structuredClone(value);
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) {
    const i = key === '-' && !replace ? parent.length : Number(key);
    if (!/^\d+$/.test(key) && key !== '-') throw new JSONPatchError(`invalid array index ${JSON.stringify(key)}`);
    if (i > parent.length || (replace && i >= parent.length)) throw new JSONPatchError(`array index ${key} out of bounds`);
    if (replace) parent[i] = structuredClone(value); else parent.splice(i, 0, structuredClone(value));
  } else if (isObject(parent)) {
    if (replace && !Object.hasOwn(parent, key)) throw new JSONPatchError(`unable to replace nonexistent key ${JSON.stringify(path)}`);
    parent[key] = structuredClone(value);
  } else throw new JSONPatchError(`cannot add to ${JSON.stringify(path)}`);
  return doc;
}

export function jsonPatch(target: JSONValue, ops: unknown): JSONValue {
  if (!Array.isArray(ops)) throw new JSONPatchError('a JSON patch is a list of operations');
  let doc = structuredClone(target);
  for (const op of ops as Record<string, unknown>[]) {
    const path = String(op.path ?? '');
    switch (op.op) {
      case 'add': doc = addAt(doc, path, op.value, false); break;
      case 'replace': doc = addAt(doc, path, op.value, true); break;
      case 'remove': removeAt(doc, path); break;
      case 'move': { const v = removeAt(doc, String(op.from ?? '')); doc = addAt(doc, path, v, false); break; }
      case 'copy': doc = addAt(doc, path, getAt(doc, String(op.from ?? '')), false); break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) throw new JSONPatchError(`testing value ${path} failed`);
        break;
      default: throw new JSONPatchError(`unexpected kind of operation: ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}

export type PatchType = 'json' | 'merge' | 'strategic';

export function patchTypeOf(contentType: string): PatchType | undefined {
  if (contentType === 'application/json-patch+json') return 'json';
  if (contentType === 'application/merge-patch+json') return 'merge';
  if (contentType === 'application/strategic-merge-patch+json') return 'strategic';
  return undefined;
}

export function applyPatch(type: PatchType, target: JSONValue, patch: JSONValue): JSONValue {
  if (type === 'json') return jsonPatch(target, patch);
  return type === 'merge' ? mergePatch(target, patch) : strategicMergePatch(target, patch);
}
