// The kubelet's --authorization-mode=Webhook: each request's attributes go to the API server as a
// SubjectAccessReview, and the answer is cached (k8s.io/apiserver/plugin/pkg/authorizer/webhook/webhook.go,
// authorizerfactory/delegating.go: allowed answers 5 min, denied 30 s, as the kubelet's defaults).
import type { RESTClient } from '../../client/rest-client.ts';
import type { NodeAttributes } from './attributes.ts';

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface WebhookAuthorizerOptions {
  client: RESTClient;
  allowCacheTTLMs?: number;      // authorization.webhook.cacheAuthorizedTTL: 5 min
  denyCacheTTLMs?: number;       // authorization.webhook.cacheUnauthorizedTTL: 30 s
  now?: () => number;
}

interface SubjectAccessReview {
  apiVersion: 'authorization.k8s.io/v1';
  kind: 'SubjectAccessReview';
  spec: {
    user: string; uid?: string; groups: string[]; extra?: Record<string, string[]>;
    resourceAttributes: { verb: string; group: string; version: string; resource: string; subresource: string; name: string; namespace: string };
  };
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

// #region subject-access-review
export function subjectAccessReview(a: NodeAttributes): SubjectAccessReview {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: a.user.name,
      ...(a.user.uid ? { uid: a.user.uid } : {}),
      groups: a.user.groups,
      ...(a.user.extra ? { extra: a.user.extra } : {}),
      resourceAttributes: { verb: a.verb, group: '', version: 'v1', resource: a.resource, subresource: a.subresource, name: a.name, namespace: '' },
    },
  };
}
// #endregion subject-access-review

export class WebhookAuthorizer {
  private readonly cache = new Map<string, { decision: Decision; reason: string; expires: number }>();
  requests = 0;   // SubjectAccessReviews sent (the cache's effect, for tests)
  constructor(private readonly opts: WebhookAuthorizerOptions) {}

  // A failed call throws: the kubelet answers 500 "Authorization error (...)", never allows.
  async authorize(a: NodeAttributes): Promise<{ decision: Decision; reason: string }> {
    const review = subjectAccessReview(a);
    const key = JSON.stringify(review.spec);
    const now = (this.opts.now ?? Date.now)();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit;
    this.requests++;
    const answer = await this.opts.client.post<SubjectAccessReview>('/apis/authorization.k8s.io/v1/subjectaccessreviews', review);
    const s = answer.status ?? {};
    const decision: Decision = s.allowed ? 'Allow' : s.denied ? 'Deny' : 'NoOpinion';
    const ttl = decision === 'Allow' ? this.opts.allowCacheTTLMs ?? 300_000 : this.opts.denyCacheTTLMs ?? 30_000;
    if (this.cache.size >= 10_000) this.cache.clear();
    const entry = { decision, reason: s.reason ?? '', expires: now + ttl };
    this.cache.set(key, entry);
    return entry;
  }
}
