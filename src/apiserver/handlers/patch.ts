// Merge patches, pure: JSON merge patch (RFC 7386) and the strategic merge patch subset our objects need
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

export type PatchType = 'merge' | 'strategic';

export function patchTypeOf(contentType: string): PatchType | undefined {
  if (contentType === 'application/merge-patch+json') return 'merge';
  if (contentType === 'application/strategic-merge-patch+json') return 'strategic';
  return undefined;
}

export function applyPatch(type: PatchType, target: JSONValue, patch: JSONValue): JSONValue {
  return type === 'merge' ? mergePatch(target, patch) : strategicMergePatch(target, patch);
}
