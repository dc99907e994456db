// Authentication's shape: an authenticator answers who sent a request, "not mine" (no such credential on it), or
// throws (a credential that is wrong); the union asks each in turn (k8s.io/apiserver/pkg/authentication:
// authenticator/interfaces.go, request/union, group/authenticated_group_adder.go, request/anonymous).
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../request-context.ts';
import { AllAuthenticated, AllUnauthenticated, Anonymous } from './user.ts';

// #region authenticator
export interface Authenticator {
  // A user, undefined when the request carries no credential of this kind, or a thrown Error for a bad one.
  authenticateRequest(req: IncomingMessage): Promise<UserInfo | undefined>;
}

// union.New: the first authenticator that knows the request answers; if none does, the errors (bad credentials)
// are thrown together, so a wrong token is refused rather than treated as no token.
export function unionAuthenticator(...authenticators: Authenticator[]): Authenticator {
  return {
    async authenticateRequest(req) {
      const errors: Error[] = [];
      for (const a of authenticators) {
        try {
          const user = await a.authenticateRequest(req);
          if (user) return user;
        } catch (err) { errors.push(err instanceof Error ? err : new Error(String(err))); }
      }
      if (errors.length) throw new Error(errors.map((e) => e.message).join(', '));
      return undefined;
    },
  };
}

// group.NewAuthenticatedGroupAdder: everyone who authenticated is in system:authenticated, except a user that says
// it is anonymous, by name or by group (a token file may list one in system:unauthenticated).
export function withAuthenticatedGroup(inner: Authenticator): Authenticator {
  return {
    async authenticateRequest(req) {
      const user = await inner.authenticateRequest(req);
      if (!user || user.name === Anonymous || user.groups.some((g) => g === AllAuthenticated || g === AllUnauthenticated)) return user;
      return { ...user, groups: [...user.groups, AllAuthenticated] };
    },
  };
}

// union.NewFailOnError(authenticator, anonymous): a request with no credential at all is system:anonymous in
// system:unauthenticated; one with a bad credential is not (the error goes on and becomes a 401).
export function withAnonymous(inner: Authenticator): Authenticator {
  return {
    async authenticateRequest(req) {
      return (await inner.authenticateRequest(req)) ?? { name: Anonymous, groups: [AllUnauthenticated] };
    },
  };
}
// #endregion authenticator
