// Asks the server which resources it serves and maps a word the user typed ("po", "pods", "pod") to one (client-go discovery/discovery_client.go, restmapper).
import type { RESTClient } from '../client/rest-client.ts';
import { Accept } from '../client/rest-client.ts';
import { CmdError } from './errors.ts';

export interface APIResource {
  groupVersion?: string;   // "coordination.k8s.io/v1"; absent (or "v1") for the core group
  name: string;            // plural: "pods"
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
}

interface APIVersions { kind?: string; versions?: string[] }
interface APIResourceList { groupVersion: string; resources: APIResource[] }
// Aggregated discovery (apidiscovery.k8s.io/v2): one answer holds every resource of every version.
interface AggregatedList {
  kind: 'APIGroupDiscoveryList';
  items: { versions: { version: string; resources: { resource: string; singularResource?: string; scope: string; responseKind?: { kind: string }; verbs?: string[]; shortNames?: string[] }[] }[] }[];
}

// The discovery requests log their bodies from these lines at -v=8, as kubectl's do.
const sources = { api: 'discovery_client.go:253', apis: 'discovery_client.go:319', groupVersion: 'discovery_client.go:404' };

// kubectl (with an empty cache) asks /api and /apis for aggregated discovery, then /api/v1 if the server answered the legacy way.
export async function discoverCoreResources(client: RESTClient): Promise<APIResource[]> {
  const api = await client.json<APIVersions | AggregatedList>({ path: '/api', query: { timeout: '32s' }, accept: Accept.discovery, source: sources.api });
  const apis = await client.json<{ groups?: { preferredVersion?: { groupVersion: string } }[] }>({ path: '/apis', query: { timeout: '32s' }, accept: Accept.discovery, source: sources.apis });
  if (api.kind === 'APIGroupDiscoveryList') {
    const v1 = (api as AggregatedList).items.flatMap((g) => g.versions).find((v) => v.version === 'v1');
    return (v1?.resources ?? []).map((r) => ({
      name: r.resource, singularName: r.singularResource, namespaced: r.scope === 'Namespaced',
      kind: r.responseKind?.kind ?? '', verbs: r.verbs ?? [], shortNames: r.shortNames,
    }));
  }
  // Legacy discovery: every group version the two answers named, fetched at once (their order in the log varies).
  const groupVersions = [...((api as APIVersions).versions?.includes('v1') ? ['v1'] : []),
    ...(apis.groups ?? []).flatMap((g) => (g.preferredVersion ? [g.preferredVersion.groupVersion] : []))];
  const lists = await Promise.all(groupVersions.map((gv) => client.json<APIResourceList>({
    path: gv === 'v1' ? '/api/v1' : `/apis/${gv}`, query: { timeout: '32s' }, accept: Accept.jsonAny, source: sources.groupVersion,
  })));
  return lists.flatMap((l) => (l.resources ?? []).map((r) => (l.groupVersion === 'v1' ? r : { ...r, groupVersion: l.groupVersion })));
}

// Subresources ("pods/exec") never match a word; plural, singular, short names and the kind (any case) do.
export function resolveResource(resources: APIResource[], word: string): APIResource {
  const w = word.toLowerCase();
  const top = resources.filter((r) => !r.name.includes('/'));
  const found = top.find((r) => r.name === w)
    ?? top.find((r) => (r.singularName || r.kind.toLowerCase()) === w)
    ?? top.find((r) => r.shortNames?.includes(w))
    ?? top.find((r) => r.kind.toLowerCase() === w);
  if (!found) throw new CmdError(`the server doesn't have a resource type "${word}"`);
  return found;
}

// "pods/nginx" or "po/nginx": kubectl's TYPE/NAME form.
export function splitTypeName(arg: string): [type: string, name: string] | undefined {
  const slash = arg.indexOf('/');
  return slash > 0 ? [arg.slice(0, slash), arg.slice(slash + 1)] : undefined;
}

// client-go's IsValidPathSegmentName: a name never walks the URL path.
export function validateName(name: string): void {
  const why: string[] = [];
  if (name === '.' || name === '..') why.push(`may not be '${name}'`);
  for (const bad of ['/', '%']) if (name.includes(bad)) why.push(`may not contain '${bad}'`);
  if (why.length) throw new CmdError(`invalid resource name "${name}": [${why.join(', ')}]`);
}

export function collectionPath(r: APIResource, namespace: string | undefined): string {
  if (r.namespaced && namespace !== undefined) validateName(namespace);
  const prefix = r.groupVersion && r.groupVersion !== 'v1' ? `/apis/${r.groupVersion}` : '/api/v1';
  return r.namespaced && namespace !== undefined
    ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${r.name}`
    : `${prefix}/${r.name}`;
}

export function objectPath(r: APIResource, namespace: string | undefined, name: string): string {
  validateName(name);
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}
