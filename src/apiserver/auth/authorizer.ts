// Authorization's vocabulary: the attributes of a request, an authorizer's decision, the union of authorizers and
// the Forbidden Status (k8s.io/apiserver/pkg/authorization/authorizer/interfaces.go, .../authorizerfactory,
// .../union, pkg/endpoints/handlers/responsewriters/errors.go).
import { StatusError } from '../../api/status.ts';
import type { RequestInfo, UserInfo } from '../request-context.ts';
import { SystemPrivilegedGroup } from './user.ts';

// #region attributes
// authorizer.Attributes: who does what to which resource (or which non-resource path).
export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  path?: string;          // non-resource requests: /healthz, /version, /apis
}

// Allow ends the question; Deny ends it too (RBAC never denies, a webhook may); NoOpinion asks the next authorizer.
export type Decision = 'Allow' | 'Deny' | 'NoOpinion';
export interface Authorization { decision: Decision; reason: string }

export interface Authorizer {
  authorize(attrs: Attributes): Promise<Authorization>;
}
// #endregion attributes

// filters.GetAuthorizerAttributes: the request's attributes for its user.
export function attributesFrom(user: UserInfo, info: RequestInfo): Attributes {
  if (!info.isResourceRequest) return { user, verb: info.verb, resourceRequest: false, path: info.path };
  return {
    user, verb: info.verb, resourceRequest: true, namespace: info.namespace, apiGroup: info.apiGroup, apiVersion: info.apiVersion,
    resource: info.resource, subresource: info.subresource, name: info.name, path: info.path,
  };
}

// union.New: the first authorizer with an opinion decides; reasons of those without one are kept for the answer.
export function unionAuthorizer(...authorizers: Authorizer[]): Authorizer {
  return {
    async authorize(attrs) {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const { decision, reason } = await a.authorize(attrs);
        if (decision !== 'NoOpinion') return { decision, reason };
        if (reason) reasons.push(reason);
      }
      return { decision: 'NoOpinion', reason: reasons.join('\n') };
    },
  };
}

// authorizerfactory.NewPrivilegedGroups: system:masters may do anything, whatever RBAC holds (so a broken policy
// cannot lock the cluster's admins out).
export function privilegedGroups(...groups: string[]): Authorizer {
  const privileged = new Set(groups.length ? groups : [SystemPrivilegedGroup]);
  return {
    async authorize(attrs) {
      return attrs.user.groups.some((g) => privileged.has(g)) ? { decision: 'Allow', reason: '' } : { decision: 'NoOpinion', reason: '' };
    },
  };
}

// #region forbidden
// responsewriters.forbiddenMessage: the sentence every 403 of the handler chain carries.
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.resourceRequest) return `User ${q(user)} cannot ${a.verb} path ${q(a.path ?? '')}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource ?? '';
  if (a.namespace) return `User ${q(user)} cannot ${a.verb} resource ${q(resource)} in API group ${q(a.apiGroup ?? '')} in the namespace ${q(a.namespace)}`;
  return `User ${q(user)} cannot ${a.verb} resource ${q(resource)} in API group ${q(a.apiGroup ?? '')} at the cluster scope`;
}

// responsewriters.Forbidden: apierrors.NewForbidden for the attributes' group and resource, the message above and
// the authorizer's reason after a colon when it gave one.
export function forbidden(a: Attributes, reason: string): StatusError {
  const message = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  return newForbidden(a.apiGroup ?? '', a.resource ?? '', a.name ?? '', message);
}
// #endregion forbidden

// apierrors.NewForbidden: "pods "web" is forbidden: …", "roles.rbac.authorization.k8s.io is forbidden: …" or,
// for a non-resource path, "forbidden: …".
export function newForbidden(group: string, resource: string, name: string, err: string): StatusError {
  const qualified = group ? `${resource}.${group}` : resource;
  const message = !qualified ? `forbidden: ${err}` : name ? `${qualified} ${q(name)} is forbidden: ${err}` : `${qualified} is forbidden: ${err}`;
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden',
    details: { group: group || undefined, kind: resource || undefined, name: name || undefined }, code: 403,
  });
}

// Go's %q for the strings we quote: JSON's escaping is the same for printable text.
export const q = (s: string) => JSON.stringify(s);
