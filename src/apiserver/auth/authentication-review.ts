// authentication.k8s.io/v1: TokenReview (is this bearer token valid, and whose is it: a kubelet's bearer-token
// authentication asks this) and SelfSubjectReview (who am I: kubectl auth whoami)
// (pkg/registry/authentication/tokenreview/storage.go, pkg/registry/authentication/selfsubjectreview/rest.go).
import { badRequest } from '../../api/status.ts';
import type { ResourceHandler } from '../server.ts';
import type { UserInfo } from '../request-context.ts';
import { reviewResource } from './review-resource.ts';
import { AllAuthenticated } from './user.ts';

export const Group = 'authentication.k8s.io';

// What a token authenticator answers: a user, undefined for a token it does not know, or a thrown error.
export interface TokenAuthenticator { authenticateToken(token: string): UserInfo | undefined }

// authentication.k8s.io's UserInfo spells the name "username".
const userInfo = (u: UserInfo) => ({ username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) });

export function authenticationReviewResources(tokens: TokenAuthenticator | undefined): ResourceHandler[] {
  return [
    reviewResource<{ token?: string; audiences?: string[] }>(Group, 'TokenReview', 'tokenreviews', false, async ({ spec }) => {
      if (!spec.token) throw badRequest(`token is required for TokenReview in ${Group}/v1`);
      let user: UserInfo | undefined;
      try { user = tokens?.authenticateToken(spec.token); } catch (err) {
        return { user: {}, error: err instanceof Error ? err.message : String(err) };
      }
      // `authenticated` is omitted when false, and an empty user still prints as {}: Go's omitempty on a bool and a struct.
      if (!user) return { user: {} };
      // As the API server's own authentication: everyone a token authenticates is in system:authenticated.
      const groups = user.groups.includes(AllAuthenticated) ? user.groups : [...user.groups, AllAuthenticated];
      return { authenticated: true, user: userInfo({ ...user, groups }) };
    }),
    // Who the request runs as, after impersonation: what the API server believes, not what the client thinks.
    reviewResource<Record<string, never>>(Group, 'SelfSubjectReview', 'selfsubjectreviews', false, async (_body, { context }) => {
      if (!context.user) throw badRequest('no user present on request');
      return { userInfo: userInfo(context.user) };
    }),
  ];
}
