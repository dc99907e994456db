// The request attributes audit needs before anything else ran: verb, resource, subresource, namespace, name
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go RequestInfoFactory.NewRequestInfo, reduced).
import type { IncomingMessage } from 'node:http';
import { parseAPIPath } from '../server.ts';
import type { PolicyAttributes } from './policy.ts';

export interface RequestInfo extends PolicyAttributes { apiVersion?: string }

export function requestInfo(req: IncomingMessage): RequestInfo {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  const p = parseAPIPath(url.pathname.replace(/\/+$/, ''));
  if (!p) return { verb: method.toLowerCase(), isResourceRequest: false, path: url.pathname };
  const [group, version] = p.groupVersion.includes('/') ? p.groupVersion.split('/') : ['', p.groupVersion];
  const watch = ['1', 'true'].includes((url.searchParams.get('watch') ?? '').toLowerCase());
  const verb = ({
    GET: p.name || p.subresource ? (watch ? 'watch' : 'get') : (watch ? 'watch' : 'list'),
    HEAD: p.name ? 'get' : 'list',
    POST: 'create', PUT: 'update', PATCH: 'patch',
    DELETE: p.name ? 'delete' : 'deletecollection',
  } as Record<string, string>)[method] ?? '';
  return {
    verb, isResourceRequest: true, path: url.pathname, apiGroup: group, apiVersion: version,
    resource: p.resource, subresource: p.subresource, namespace: p.namespace, name: p.name,
  };
}

// BasicLongRunningRequestCheck(watch, proxy; attach, exec, proxy, log, portforward): requests that stream.
export function isLongRunning(info: RequestInfo): boolean {
  return ['watch', 'proxy'].includes(info.verb) || ['attach', 'exec', 'proxy', 'log', 'portforward'].includes(info.subresource ?? '');
}
