// The kubelet's front door: every request is authenticated, then authorized for its node attributes, before
// any handler runs (pkg/kubelet/server/server.go InstallAuthFilter). Refusals are go-restful's plain text.
import type { IncomingMessage } from 'node:http';
import { forbiddenMessage, nodeRequestAttributes, type NodeAttributes } from './attributes.ts';
import type { KubeletAuthenticator } from './authenticator.ts';
import type { Decision } from './webhook-authorizer.ts';

export interface Refusal { code: number; text: string }
export interface Authorizer { authorize(a: NodeAttributes): Promise<{ decision: Decision; reason: string }> }

export interface FrontDoorOptions {
  nodeName: string;
  authenticator: KubeletAuthenticator;
  authorizer: Authorizer;          // Webhook (a SubjectAccessReview each), or AlwaysAllow
  fineGrained?: boolean;           // KubeletFineGrainedAuthz
  log?: (line: string) => void;
}

// AlwaysAllow: the kubelet's default authorization mode, which kubeadm replaces with Webhook.
export const alwaysAllow: Authorizer = { authorize: async () => ({ decision: 'Allow', reason: '' }) };

export class KubeletFrontDoor {
  constructor(private readonly opts: FrontDoorOptions) {}

  // #region install-auth-filter
  // undefined: let the request through. Otherwise the answer the kubelet gives instead.
  async check(req: IncomingMessage): Promise<Refusal | undefined> {
    let user;
    try {
      user = await this.opts.authenticator.authenticateRequest(req);
    } catch (err) {
      this.opts.log?.(`kubelet ${this.opts.nodeName}: Unable to authenticate the request due to an error: ${(err as Error).message}`);
      return { code: 401, text: 'Unauthorized' };
    }
    if (!user) return { code: 401, text: 'Unauthorized' };
    const path = new URL(req.url ?? '/', 'http://kubelet').pathname;
    const attrs = nodeRequestAttributes(user, req.method ?? '', path, this.opts.nodeName, this.opts.fineGrained);
    for (const a of attrs) {
      let decision;
      try {
        ({ decision } = await this.opts.authorizer.authorize(a));
      } catch (err) {
        this.opts.log?.(`kubelet ${this.opts.nodeName}: Authorization error: ${(err as Error).message}`);
        return { code: 500, text: `Authorization error (user=${a.user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})` };
      }
      if (decision === 'Allow') return undefined;
    }
    return { code: 403, text: forbiddenMessage(attrs) };
  }
  // #endregion install-auth-filter
}
