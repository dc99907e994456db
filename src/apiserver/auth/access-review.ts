// The access reviews of authorization.k8s.io/v1: ask the API server's authorizer whether a user may do something,
// created and answered, never stored (pkg/registry/authorization/{subjectaccessreview,selfsubjectaccessreview,
// localsubjectaccessreview,selfsubjectrulesreview}/rest.go, pkg/apis/authorization/validation).
import { badRequest, invalid } from '../../api/status.ts';
import type { StatusCause } from '../../api/status.ts';
import { reviewResource, type Answer } from './review-resource.ts';
import type { RequestContext, UserInfo } from '../request-context.ts';
import type { ResourceHandler } from '../server.ts';
import type { Attributes, Authorizer } from './authorizer.ts';
import type { PolicyRule } from '../rbac/types.ts';

export const Group = 'authorization.k8s.io';

export interface ResourceAttributes { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string }
export interface NonResourceAttributes { path?: string; verb?: string }
export interface SubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string; groups?: string[]; uid?: string; extra?: Record<string, string[]>;
}
export interface SubjectAccessReviewStatus { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string }
type Spec = SubjectAccessReviewSpec & { namespace?: string };
const authorizationReview = (kind: string, resource: string, namespaced: boolean, answer: Answer<Spec>) =>
  reviewResource<Spec>(Group, kind, resource, namespaced, async (body, target) => {
    checkTypes(kind, body.spec as Record<string, unknown>);
    return answer(body, target);
  });

// Something that can list a user's rules (the RBAC authorizer), for SelfSubjectRulesReview.
export interface RuleResolver { rulesFor(user: UserInfo, namespace: string): Promise<{ rules: PolicyRule[]; errors: Error[] }> }

// authorizationutil.AuthorizationAttributesFrom: the spec's user and the attributes it asks about.
export function attributesFromSpec(user: UserInfo, spec: SubjectAccessReviewSpec): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return { user, verb: r.verb ?? '', resourceRequest: true, namespace: r.namespace ?? '', apiGroup: r.group ?? '', apiVersion: r.version || '*',
      resource: r.resource ?? '', subresource: r.subresource ?? '', name: r.name ?? '' };
  }
  return { user, verb: spec.nonResourceAttributes?.verb ?? '', resourceRequest: false, path: spec.nonResourceAttributes?.path ?? '' };
}

// The answer: allowed, or denied when an authorizer said so outright (RBAC never does: it has no opinion).
async function review(authorizer: Authorizer, attrs: Attributes): Promise<SubjectAccessReviewStatus> {
  try {
    const { decision, reason } = await authorizer.authorize(attrs);
    return { allowed: decision === 'Allow', ...(decision === 'Deny' ? { denied: true } : {}), ...(reason ? { reason } : {}) };
  } catch (err) {
    return { allowed: false, evaluationError: err instanceof Error ? err.message : String(err) };
  }
}

// ValidateSubjectAccessReviewSpec: exactly one of the two kinds of attributes, and (for someone else) a user or group.
function specErrors(spec: SubjectAccessReviewSpec, needsSubject: boolean): StatusCause[] {
  const errs: StatusCause[] = [];
  const q = (v: unknown) => JSON.stringify(v ?? null);
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    errs.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: `Invalid value: ${q(spec.nonResourceAttributes)}: cannot be specified in combination with resourceAttributes` });
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    errs.push({ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified` });
  }
  if (needsSubject && !spec.user && !spec.groups?.length) {
    errs.push({ reason: 'FieldValueInvalid', field: 'spec.user', message: `Invalid value: "": at least one of user or group must be specified` });
  }
  return errs;
}

// The user a SubjectAccessReview asks about.
const subjectOf = (spec: SubjectAccessReviewSpec): UserInfo =>
  ({ name: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) });

// What Go's JSON decoder refuses before any validation: a field of the wrong type ("groups": "dev").
function checkTypes(kind: string, spec: Record<string, unknown>): void {
  const wrong = (field: string, got: unknown, want: string) => badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${Array.isArray(got) ? 'array' : typeof got === 'object' ? 'object' : typeof got} into Go struct field ${field} of type ${want}`);
  const str = (o: Record<string, unknown>, k: string, path: string) => { if (o[k] !== undefined && typeof o[k] !== 'string') throw wrong(`${path}.${k}`, o[k], 'string'); };
  const obj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const k of ['user', 'uid', 'namespace']) str(spec, k, 'spec');
  if (spec.groups !== undefined && !(Array.isArray(spec.groups) && spec.groups.every((g) => typeof g === 'string'))) throw wrong('spec.groups', spec.groups, '[]string');
  if (spec.extra !== undefined && !(obj(spec.extra) && Object.values(spec.extra as object).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string')))) throw wrong('spec.extra', spec.extra, 'map[string]v1.ExtraValue');
  for (const k of ['resourceAttributes', 'nonResourceAttributes']) {
    const a = spec[k];
    if (a === undefined || a === null) continue;
    if (!obj(a)) throw wrong(`spec.${k}`, a, `v1.${k[0]!.toUpperCase()}${k.slice(1)}`);
    for (const f of Object.keys(a as object)) str(a as Record<string, unknown>, f, `spec.${k}`);
  }
}

const invalidReview = (kind: string, errs: StatusCause[]) => invalid(`${kind}.${Group}`, '', errs);
const currentUser = (ctx: RequestContext) => {
  if (!ctx.user) throw badRequest('no user present on request');
  return ctx.user;
};

// #region access-review-resources
export function accessReviewResources(authorizer: Authorizer, rules?: RuleResolver): ResourceHandler[] {
  return [
    // Someone else's access: the kubelet asks this for every request it serves (its webhook authorizer).
    authorizationReview('SubjectAccessReview', 'subjectaccessreviews', false, async ({ spec }) => {
      const errs = specErrors(spec, true);
      if (errs.length) throw invalidReview('SubjectAccessReview', errs);
      return review(authorizer, attributesFromSpec(subjectOf(spec), spec));
    }),
    // One's own access (kubectl auth can-i): the user is whoever sent the request, impersonated or not.
    authorizationReview('SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, async ({ spec }, { context }) => {
      const errs = specErrors(spec, false);
      if (errs.length) throw invalidReview('SelfSubjectAccessReview', errs);
      return review(authorizer, attributesFromSpec(currentUser(context), spec));
    }),
    // Someone else's access within one namespace: a namespace admin may ask this (system:aggregate-to-admin).
    authorizationReview('LocalSubjectAccessReview', 'localsubjectaccessreviews', true, async ({ spec }, { namespace }) => {
      const errs = specErrors(spec, true);
      if (spec.nonResourceAttributes) errs.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: 'Invalid value: "": disallowed on this kind of request' });
      if (errs.length) throw invalidReview('LocalSubjectAccessReview', errs);
      if ((spec.resourceAttributes?.namespace ?? '') !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
      return review(authorizer, attributesFromSpec(subjectOf(spec), spec));
    }),
    // Everything one may do in a namespace (kubectl auth can-i --list).
    ...(rules ? [authorizationReview('SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, async ({ spec }, { context }) => {
      const namespace = spec.namespace ?? '';
      if (!namespace) throw badRequest('no namespace on request');
      const found = await rules.rulesFor(currentUser(context), namespace);
      return {
        resourceRules: found.rules.filter((r) => r.resources?.length).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) })),
        nonResourceRules: found.rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
        incomplete: false,
        ...(found.errors.length ? { evaluationError: found.errors.map((e) => e.message).join(', ') } : {}),
      };
    })] : []),
  ];
}
// #endregion access-review-resources
