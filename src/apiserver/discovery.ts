// Discovery: /version, /api, /api/v1 and /apis, the documents kubectl reads before anything else
// (k8s.io/apiserver/pkg/endpoints/discovery: legacy.go, version.go, root.go).
import { allVerbs, groupVersion, type RESTStrategy, type KObject } from './registry/strategy.ts';
import type { Subresource } from './subresources.ts';

// kubectl on this machine is a dispatcher that runs the bundled kubectl matching `minor`: 32 picks 1.32.
export function versionInfo() {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0',
    gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T17:59:15Z',
    goVersion: 'go1.23.3',
    compiler: 'gc',
    platform: `${process.platform}/${arch}`,
  };
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

// The named groups (coordination.k8s.io, events.k8s.io), one version each. kubectl needs /apis even when it
// lists none: without it, discovery is retried and fails.
export function apiGroup(group: string, version: string) {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv };
}

// What discovery lists of a resource: a Store's strategy, or a handled resource's (the access reviews) own description.
export type ResourceInfo = Pick<RESTStrategy<KObject>, 'group' | 'version' | 'resource' | 'singular' | 'kind' | 'shortNames' | 'namespaced' | 'verbs'>;

export function apiGroupList(strategies: ResourceInfo[]) {
  const groups = new Map<string, string>();
  for (const s of strategies) if (s.group) groups.set(s.group, s.version ?? 'v1');
  const list = [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([g, v]) => { const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g, v); return rest; });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
}

// #region api-resource-list
export function apiResourceList(strategies: ResourceInfo[], subresources: Map<string, Subresource>, gv = 'v1') {
  const resources: Record<string, unknown>[] = [];
  for (const s of [...strategies].filter((s) => groupVersion(s) === gv).sort((a, b) => a.resource.localeCompare(b.resource))) {
    resources.push({
      name: s.resource,
      singularName: s.singular,
      namespaced: s.namespaced,
      kind: s.kind,
      verbs: s.verbs ?? allVerbs,
      shortNames: s.shortNames,
      ...(s.resource === 'pods' ? { categories: ['all'] } : {}),
    });
    // Subresources are the core group's (pods/exec, nodes/status): the map is keyed by resource alone.
    for (const [path, sub] of [...subresources].filter(([p]) => gv === 'v1' && p.startsWith(`${s.resource}/`)).sort()) {
      resources.push({ name: path, singularName: '', namespaced: s.namespaced, ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}), kind: sub.kind, verbs: sub.verbs });
    }
  }
  // As the real server writes them: the core list without apiVersion, a group's with it.
  return { kind: 'APIResourceList', ...(gv === 'v1' ? {} : { apiVersion: 'v1' }), groupVersion: gv, resources };
}
// #endregion api-resource-list
