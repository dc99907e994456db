// The access reviews of authorization.k8s.io/v1: ask the API server's authorizer whether a user may do something,
// created and answered, never stored (pkg/registry/authorization/{subjectaccessreview,selfsubjectaccessreview,
// localsubjectaccessreview,selfsubjectrulesreview}/rest.go, pkg/apis/authorization/validation).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, invalid, methodNotAllowed } from '../../api/status.ts';
import { ProtobufError } from '../../api/protobuf.ts';
import type { StatusCause } from '../../api/status.ts';
import { decodeBody, mediaType, readBody, writeJSON } from '../handlers/http.ts';
import { decodeReviewProtobuf } from './review-protobuf.ts';
import type { RequestContext, UserInfo } from '../request-context.ts';
import type { ResourceHandler } from '../server.ts';
import type { Attributes, Authorizer } from './authorizer.ts';
import type { PolicyRule } from '../rbac/types.ts';

export const Group = 'authorization.k8s.io';
const apiVersion = `${Group}/v1`;

export interface ResourceAttributes { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string }
export interface NonResourceAttributes { path?: string; verb?: string }
export interface SubjectAccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string; groups?: string[]; uid?: string; extra?: Record<string, string[]>;
}
export interface SubjectAccessReviewStatus { allowed: boolean; denied?: boolean; reason?: string; evaluationError?: string }
interface Review { kind?: string; apiVersion?: string; metadata: { namespace?: string; [k: string]: unknown }; spec?: SubjectAccessReviewSpec & { namespace?: string }; status?: unknown }

// Something that can list a user's rules (the RBAC authorizer), for SelfSubjectRulesReview.
export interface RuleResolver { rulesFor(user: UserInfo, namespace: string): Promise<{ rules: PolicyRule[]; errors: Error[] }> }

// #region access-review
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
// #endregion access-review

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

type Answer = (body: Review, target: { namespace?: string; context: RequestContext }) => Promise<unknown>;

function reviewResource(kind: string, resource: string, namespaced: boolean, answer: Answer): ResourceHandler {
  return {
    info: { group: Group, version: 'v1', resource, singular: kind.toLowerCase(), kind, shortNames: [], namespaced, verbs: ['create'] },
    async serve(req: IncomingMessage, res: ServerResponse, target) {
      // Only create is routed; anything else is a route that does not exist for this resource.
      if (req.method !== 'POST' || target.name !== undefined) throw methodNotAllowed();
      const body = await decodeReview(req, kind);
      body.spec ??= {};
      if (namespaced) body.metadata.namespace = target.namespace;
      const status = await answer(body, target);
      writeJSON(res, 201, { kind, apiVersion, ...body, metadata: { ...body.metadata, creationTimestamp: null }, status });
    },
  };
}

// kubectl's typed client sends protobuf (kubectl auth can-i); curl and client libraries send JSON or YAML.
async function decodeReview(req: IncomingMessage, kind: string): Promise<Review> {
  if (mediaType(req) !== 'application/vnd.kubernetes.protobuf') return await decodeBody(req, kind, apiVersion) as unknown as Review;
  let obj;
  try { obj = decodeReviewProtobuf(await readBody(req)); } catch (err) {
    if (!(err instanceof ProtobufError) && !(err instanceof TypeError)) throw err;
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): ${err.message}`);
  }
  if (obj.kind !== kind || obj.apiVersion !== apiVersion) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): no kind "${obj.kind}" is registered for version "${obj.apiVersion}"`);
  }
  return obj;
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
    reviewResource('SubjectAccessReview', 'subjectaccessreviews', false, async ({ spec }) => {
      const errs = specErrors(spec!, true);
      if (errs.length) throw invalidReview('SubjectAccessReview', errs);
      const user: UserInfo = { name: spec!.user ?? '', groups: spec!.groups ?? [], ...(spec!.uid ? { uid: spec!.uid } : {}), ...(spec!.extra ? { extra: spec!.extra } : {}) };
      return review(authorizer, attributesFromSpec(user, spec!));
    }),
    // One's own access (kubectl auth can-i): the user is whoever sent the request, impersonated or not.
    reviewResource('SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, async ({ spec }, { context }) => {
      const errs = specErrors(spec!, false);
      if (errs.length) throw invalidReview('SelfSubjectAccessReview', errs);
      return review(authorizer, attributesFromSpec(currentUser(context), spec!));
    }),
    // Someone else's access within one namespace: a namespace admin may ask this (system:aggregate-to-admin).
    reviewResource('LocalSubjectAccessReview', 'localsubjectaccessreviews', true, async ({ spec }, { namespace }) => {
      const errs = specErrors(spec!, true);
      if (spec!.nonResourceAttributes) errs.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: 'Invalid value: "": disallowed on this kind of request' });
      if (errs.length) throw invalidReview('LocalSubjectAccessReview', errs);
      if ((spec!.resourceAttributes?.namespace ?? '') !== namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
      const user: UserInfo = { name: spec!.user ?? '', groups: spec!.groups ?? [], ...(spec!.uid ? { uid: spec!.uid } : {}), ...(spec!.extra ? { extra: spec!.extra } : {}) };
      return review(authorizer, attributesFromSpec(user, spec!));
    }),
    // Everything one may do in a namespace (kubectl auth can-i --list).
    ...(rules ? [reviewResource('SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, async ({ spec }, { context }) => {
      const namespace = spec!.namespace ?? '';
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
