// Exec, attach and port-forward need `create` however they arrive: a WebSocket upgrade is a GET (verb `get`), so the
// pod subresource's Connect authorizes `create` as well before anything else (pkg/registry/core/pod/rest/authorize.go
// ensureAuthorizedForVerb, called first in ExecREST/AttachREST/PortForwardREST.Connect behind the
// AuthorizePodWebsocketUpgradeCreatePermission gate, beta and on from 1.35; kubernetes/kubernetes#133515).
import { StatusError } from '../../api/status.ts';
import type { RequestContext } from '../request-context.ts';
import type { SubresourceFactory } from '../subresources.ts';
import { attributesOf } from './filters.ts';
import { newForbidden, type Authorizer } from './authorizer.ts';

// #region ensure-authorized-for-verb
export async function ensureAuthorizedForVerb(ctx: RequestContext | undefined, authorizer: Authorizer, verb: string): Promise<void> {
  if (!ctx?.info) throw internal('no request info in context');
  if (ctx.info.verb === verb) return;   // a SPDY POST is `create` already, and the filter authorized it
  const attrs = { ...attributesOf(ctx), verb };
  const { decision, reason } = await authorizer.authorize(attrs);
  // Upstream words this refusal with the authorizer's reason alone, and RBAC gives none: "pods "web" is forbidden: ".
  // kubectl falls back to SPDY on any refused upgrade, and the POST's refusal is the full sentence it prints.
  if (decision !== 'Allow') throw newForbidden(ctx.info.apiGroup, ctx.info.resource, ctx.info.name, reason);
}
// #endregion ensure-authorized-for-verb

// The check in front of a connect subresource: plain and upgrade requests alike, before the subresource looks
// at the pod. `authorizer()` is asked per request: the wiring builds the subresource before the authorizer exists.
export function authorizeCreateOnConnect(make: SubresourceFactory, authorizer: () => Authorizer | undefined): SubresourceFactory {
  return (api) => {
    const sub = make(api);
    const check = (ctx: RequestContext | undefined) => {
      const a = authorizer();
      if (!a) throw internal('no authorizer available');
      return ensureAuthorizedForVerb(ctx, a, 'create');
    };
    return {
      kind: sub.kind, verbs: sub.verbs, group: sub.group, version: sub.version,
      serve: async (req, res, target) => { await check(target.context); return sub.serve(req, res, target); },
      ...(sub.upgrade ? { upgrade: async (req, socket, head, target) => { await check(target.context); return sub.upgrade!(req, socket, head, target); } } : {}),
      ...(sub.close ? { close: () => sub.close!() } : {}),
    };
  };
}

const internal = (message: string) => new StatusError({
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: 'InternalError',
  message: `Internal error occurred: ${message}`, details: { causes: [{ message }] },
});
