// Discovery: /version, /api, /api/v1 and /apis, the documents kubectl reads before anything else
// (k8s.io/apiserver/pkg/endpoints/discovery: legacy.go, version.go, root.go).
import type { RESTStrategy, KObject } from './registry/strategy.ts';
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

// Required even though empty: without /apis kubectl retries discovery and fails.
export const apiGroupList = () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });

// #region api-resource-list
export function apiResourceList(strategies: RESTStrategy<KObject>[], subresources: Map<string, Subresource>) {
  const resources: Record<string, unknown>[] = [];
  for (const s of [...strategies].sort((a, b) => a.resource.localeCompare(b.resource))) {
    resources.push({
      name: s.resource,
      singularName: s.singular,
      namespaced: s.namespaced,
      kind: s.kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: s.shortNames,
      ...(s.resource === 'pods' ? { categories: ['all'] } : {}),
    });
    for (const [path, sub] of [...subresources].filter(([p]) => p.startsWith(`${s.resource}/`)).sort()) {
      resources.push({ name: path, singularName: '', namespaced: s.namespaced, ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}), kind: sub.kind, verbs: sub.verbs });
    }
  }
  return { kind: 'APIResourceList', groupVersion: 'v1', resources };
}
// #endregion api-resource-list
