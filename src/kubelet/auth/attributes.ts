// What a request to the kubelet asks for, in the API server's authorization terms: a verb on nodes/<subresource>
// for this node (pkg/kubelet/server/auth.go, nodeAuthorizerAttributesGetter.GetRequestAttributes). Pure.

export interface UserInfo { name: string; uid?: string; groups: string[]; extra?: Record<string, string[]> }

// authorizer.AttributesRecord, as far as the kubelet fills it in.
export interface NodeAttributes {
  user: UserInfo;
  verb: string;
  resource: 'nodes';
  subresource: string;
  name: string;
  path: string;
}

// The HTTP method as an API verb; other methods get "" (no RBAC rule names it, so they are refused).
const verbs: Record<string, string> = { POST: 'create', GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

// /stats and /stats/..., not /statsfoo.
function isSubpath(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

// #region node-attributes
// Every request is a verb on the node's `proxy` subresource (full access to the kubelet: exec, run, attach,
// portForward, containerLogs, pods...), except the read-mostly paths with a subresource of their own. With
// KubeletFineGrainedAuthz (beta, on by default from 1.33) /pods, /runningpods and /healthz first try a narrower
// subresource, then proxy: allowed if either is.
export function nodeRequestAttributes(user: UserInfo, method: string, path: string, nodeName: string, fineGrained = false): NodeAttributes[] {
  const subresources: string[] = [];
  if (fineGrained) {
    if (isSubpath(path, '/pods') || isSubpath(path, '/runningpods')) subresources.push('pods');
    else if (isSubpath(path, '/healthz')) subresources.push('healthz');
    else if (isSubpath(path, '/configz')) subresources.push('configz');
  }
  if (isSubpath(path, '/stats')) subresources.push('stats');
  else if (isSubpath(path, '/metrics')) subresources.push('metrics');
  else if (isSubpath(path, '/logs')) subresources.push('log');
  else if (isSubpath(path, '/checkpoint')) subresources.push('checkpoint');
  else subresources.push('proxy');
  const verb = verbs[method] ?? '';
  return subresources.map((subresource) => ({ user, verb, resource: 'nodes', subresource, name: nodeName, path }));
}
// #endregion node-attributes

// server.go InstallAuthFilter's refusal: the attributes differ only by subresource, so the first one speaks for
// all, and Go prints the list as [pods proxy].
export function forbiddenMessage(attrs: NodeAttributes[]): string {
  const a = attrs[0]!;
  return `Forbidden (user=${a.user.name}, verb=${a.verb}, resource=${a.resource}, subresource(s)=[${attrs.map((x) => x.subresource).join(' ')}])\n`;
}
