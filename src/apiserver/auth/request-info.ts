// The request's attributes from its method and path alone: verb, API group, namespace, resource, subresource, name
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, RequestInfoFactory.NewRequestInfo). Pure.
import type { RequestInfo } from '../request-context.ts';

const apiPrefixes = new Set(['api', 'apis']);
const grouplessAPIPrefixes = new Set(['api']);
// /api/v1/watch/... and /api/v1/proxy/... put the verb in the path (the deprecated forms, still parsed).
const specialVerbs = new Set(['proxy', 'watch']);
const specialVerbsNoSubresources = new Set(['proxy']);
// /api/v1/namespaces/{ns}/status is the namespace's own subresource, not a resource named "status".
const namespaceSubresources = new Set(['status', 'finalize']);

const methodVerbs: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

// #region request-info
// `pathname` unescaped, as Go's URL.Path.
export function newRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  // Anything that is not a resource request is a path, and its verb is the method in lower case ("get", "post").
  const info: RequestInfo = {
    isResourceRequest: false, path: pathname, verb: method.toLowerCase(),
    apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [],
  };
  // Go's splitPath on the unescaped path: trimmed of slashes, then split (empty segments inside stay).
  const trimmed = pathname.replace(/^\/+|\/+$/g, '');
  let parts = trimmed === '' ? [] : trimmed.split('/');
  // /api, /api/v1, /apis/{group} and /apis/{group}/{version} are discovery: non-resource paths.
  if (parts.length < 3 || !apiPrefixes.has(parts[0]!)) return info;
  info.apiPrefix = parts[0]!;
  parts = parts.slice(1);
  if (!grouplessAPIPrefixes.has(info.apiPrefix)) {
    if (parts.length < 3) return info;
    info.apiGroup = parts[0]!;
    parts = parts.slice(1);
  }
  info.isResourceRequest = true;
  info.apiVersion = parts[0]!;
  parts = parts.slice(1);

  if (specialVerbs.has(parts[0]!) && parts.length >= 2) {
    info.verb = parts[0]!;
    parts = parts.slice(1);
  } else {
    info.verb = methodVerbs[method] ?? '';
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1]!;
      if (parts.length > 2 && !namespaceSubresources.has(parts[2]!)) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  // resource/name/subresource/anything-else
  if (parts.length >= 3 && !specialVerbsNoSubresources.has(info.verb)) info.subresource = parts[2]!;
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 1) info.resource = parts[0]!;

  // A GET without a name reads a collection: list, or watch when ?watch= says so (false and 0 do not).
  if (info.name === '' && info.verb === 'get') {
    const watch = query.get('watch');
    info.verb = watch !== null && !['false', '0'].includes(watch.toLowerCase()) ? 'watch' : 'list';
    // A list narrowed to one name by fieldSelector=metadata.name=x is authorized as that name.
    const name = exactNameSelector(query.get('fieldSelector'));
    if (name !== undefined && name !== '.' && name !== '..' && !/[/%]/.test(name)) info.name = name;
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}
// #endregion request-info

// fields.Selector.RequiresExactMatch("metadata.name"): the value of a lone metadata.name= or == term.
function exactNameSelector(selector: string | null): string | undefined {
  if (!selector) return undefined;
  const terms = selector.split(',');
  if (terms.length !== 1) return undefined;
  const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(terms[0]!);
  return m ? m[1] : undefined;
}
