// Who is asking the kubelet: a client certificate that chains to --client-ca-file, else a bearer token the API
// server vouches for (TokenReview), else anonymous if allowed (pkg/kubelet/apis/config authentication,
// k8s.io/apiserver/pkg/authentication/authenticatorfactory/delegating.go DelegatingAuthenticatorConfig).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RESTClient } from '../../client/rest-client.ts';
import { certificateRejection, certificateUser } from '../../pki/identity.ts';
import type { UserInfo } from './attributes.ts';

export interface KubeletAuthenticatorOptions {
  anonymous: boolean;                  // --anonymous-auth (kubeadm: false)
  tokenReview?: RESTClient;            // --authentication-token-webhook: ask the API server about bearer tokens
  tokenCacheTTLMs?: number;            // authentication.webhook.cacheTTL: 2 min
  now?: () => number;
}

// No credential at all: undefined, and with anonymous off the filter answers 401. A credential that fails
// (a token the API server does not know) throws, and is 401 too, never anonymous.
export class KubeletAuthenticator {
  private readonly tokens = new Map<string, { user?: UserInfo; expires: number }>();
  constructor(private readonly opts: KubeletAuthenticatorOptions) {}

  // #region kubelet-authenticate
  async authenticateRequest(req: IncomingMessage): Promise<UserInfo | undefined> {
    const socket = req.socket as TLSSocket;
    // x509: Node verified the chain against the client CA during the handshake (requestCert, not required).
    const fromCert = socket.encrypted ? certificateUser(socket) : undefined;
    if (fromCert) return withAuthenticated({ name: fromCert.name, groups: fromCert.groups });
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer && this.opts.tokenReview) {
      const user = await this.reviewToken(bearer);
      if (!user) throw new Error('invalid bearer token');
      return withAuthenticated(user);
    }
    // A certificate that was presented and did not verify is a failed credential, not none: 401 even with
    // anonymous on (x509.go's Verify error, which union.NewFailOnError does not pass on to anonymous).
    const rejected = socket.encrypted ? certificateRejection(socket) : undefined;
    if (rejected) throw new Error(`verifying certificate failed: ${rejected}`);
    if (this.opts.anonymous) return { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    return undefined;
  }
  // #endregion kubelet-authenticate

  // POST authentication.k8s.io/v1 TokenReview; answers (yes and no) are cached for the TTL.
  private async reviewToken(token: string): Promise<UserInfo | undefined> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.tokens.get(token);
    if (hit && hit.expires > now) return hit.user;
    const review = await this.opts.tokenReview!.post<TokenReview>('/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token },
    });
    const s = review.status;
    const user = s?.authenticated && s.user?.username
      ? { name: s.user.username, uid: s.user.uid, groups: s.user.groups ?? [], extra: s.user.extra }
      : undefined;
    if (this.tokens.size >= 1024) this.tokens.clear();
    this.tokens.set(token, { user, expires: now + (this.opts.tokenCacheTTLMs ?? 120_000) });
    return user;
  }
}

interface TokenReview {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }; error?: string };
}

// Every authenticated user is in system:authenticated (group.AuthenticatedGroupAdder).
function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes('system:authenticated') ? user : { ...user, groups: [...user.groups, 'system:authenticated'] };
}
