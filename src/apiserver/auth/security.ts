// Chapter 9's API server extension: RBAC's four resources, the access reviews, the bootstrap policy, and the handler
// chain that authenticates (client certificates, static tokens, anonymous) and authorizes (system:masters, then
// RBAC) every request (kube-apiserver's --client-ca-file, --token-auth-file, --anonymous-auth, --authorization-mode=RBAC).
import { readFileSync } from 'node:fs';
import type { APIServer, APIServerExtension } from '../server.ts';
import type { RequestFilter } from '../request-context.ts';
import type { SubresourceFactory } from '../subresources.ts';
import type { Store } from '../registry/store.ts';
import type { KObject, RESTStrategy } from '../registry/strategy.ts';
import { StatusError } from '../../api/status.ts';
import { withAnonymous, withAuthenticatedGroup, unionAuthenticator, type Authenticator } from './authenticator.ts';
import { privilegedGroups, unionAuthorizer, type Authorizer } from './authorizer.ts';
import { accessReviewResources } from './access-review.ts';
import { authenticationReviewResources } from './authentication-review.ts';
import { authorizeCreateOnConnect } from './connect-create.ts';
import { securityFilters, type HandlerChainOptions } from './filters.ts';
import { BearerTokenAuthenticator, TokenFileAuthenticator } from './token-file.ts';
import { parseCABundle, X509Authenticator } from './x509.ts';
import { RBACAuthorizer } from '../rbac/authorizer.ts';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../rbac/bootstrap-policy.ts';
import type { RBACLister } from '../rbac/resolver.ts';
import { installEscalationChecks } from '../rbac/escalation.ts';
import { ClusterRoleAggregationController } from '../rbac/aggregation-controller.ts';
import { GroupName, type ClusterRole, type Role, type RoleBinding } from '../rbac/types.ts';
import { rbacStrategies } from '../rbac/strategies.ts';

export interface SecurityOptions {
  clientCA?: string | Buffer;       // PEM: client certificates must chain to one of these
  tokenAuthFile?: string;           // CSV text: token,user,uid,"group1,group2"
  anonymous?: boolean;              // requests without credentials are system:anonymous (default true, as upstream)
  // AuthorizePodWebsocketUpgradeCreatePermission: `create` on pods/exec for the WebSocket GET too (default true).
  websocketUpgradeCreate?: boolean;
  // Audit's place in the chain: after authentication, before impersonation (and a slot before authentication).
  beforeAuthentication?: RequestFilter[];
  afterAuthentication?: RequestFilter[];
  annotate?: HandlerChainOptions['annotate'];
  log?: (line: string) => void;
}

// The kube-apiserver flags this extension reads, for a checkpoint's runAPIServer({ extraFlags }).
export const securityFlags = ['client-ca-file', 'token-auth-file', 'anonymous-auth', 'authorization-mode'];

export function securityOptionsFromFlags(flags: Record<string, string | undefined>): SecurityOptions {
  const mode = flags['authorization-mode'] ?? 'RBAC';
  if (mode !== 'RBAC') throw new Error(`--authorization-mode: only RBAC is served here, not ${JSON.stringify(mode)}`);
  const anon = flags['anonymous-auth'] ?? 'true';
  if (anon !== 'true' && anon !== 'false') throw new Error(`--anonymous-auth: true or false, not ${JSON.stringify(anon)}`);
  return {
    clientCA: flags['client-ca-file'] ? readFileSync(flags['client-ca-file']) : undefined,
    tokenAuthFile: flags['token-auth-file'] ? readFileSync(flags['token-auth-file'], 'utf8') : undefined,
    anonymous: anon === 'true',
  };
}

// #region api-security
export class APISecurity implements APIServerExtension {
  readonly strategies = rbacStrategies as unknown as RESTStrategy<KObject>[];
  authorizer?: Authorizer;
  rbac?: RBACAuthorizer;
  // Stopped with the storage's watches when the server closes.
  aggregation?: ClusterRoleAggregationController;

  constructor(private opts: SecurityOptions = {}) {}

  configure(opts: SecurityOptions): this { this.opts = { ...this.opts, ...opts }; return this; }

  install(api: APIServer) {
    const log = this.opts.log ?? ((line: string) => console.log(line));
    const lister = storeLister(api);
    this.aggregation = new ClusterRoleAggregationController(api.store<ClusterRole>(`${GroupName}/v1`, 'clusterroles'), log);
    this.rbac = new RBACAuthorizer(lister);
    // system:masters first: whatever RBAC holds, the cluster's admins are never locked out.
    this.authorizer = unionAuthorizer(privilegedGroups(), this.rbac);
    const gv = `${GroupName}/v1`;
    installEscalationChecks({ roles: api.store(gv, 'roles'), clusterRoles: api.store(gv, 'clusterroles'),
      roleBindings: api.store(gv, 'rolebindings'), clusterRoleBindings: api.store(gv, 'clusterrolebindings') }, lister, this.authorizer);
    const tokens = this.opts.tokenAuthFile !== undefined ? new TokenFileAuthenticator(this.opts.tokenAuthFile, log) : undefined;
    const filters = securityFilters({ authenticator: this.authenticator(log, tokens), authorizer: this.authorizer, beforeAuthentication: this.opts.beforeAuthentication, afterAuthentication: this.opts.afterAuthentication, annotate: this.opts.annotate, log });
    return {
      filters,
      resources: [...accessReviewResources(this.authorizer, this.rbac), ...authenticationReviewResources(tokens)],
      postStartHooks: [() => this.bootstrap(api), () => this.aggregation!.start()],
    };
  }

  private authenticator(log: (line: string) => void, tokens: TokenFileAuthenticator | undefined): Authenticator {
    const authenticators: Authenticator[] = [];
    if (this.opts.clientCA) authenticators.push(new X509Authenticator(parseCABundle(this.opts.clientCA)));
    if (tokens) authenticators.push(new BearerTokenAuthenticator(tokens));
    const authenticated = withAuthenticatedGroup(unionAuthenticator(...authenticators));
    return this.opts.anonymous === false ? authenticated : withAnonymous(authenticated);
  }

  // pods/exec (and attach, portforward) behind the `create` check for the WebSocket GET.
  connectCreate(make: SubresourceFactory): SubresourceFactory {
    if (this.opts.websocketUpgradeCreate === false) return make;
    return authorizeCreateOnConnect(make, () => this.authorizer);
  }

  // rbac/bootstrap-roles: the default roles and bindings, created when missing (an edited one is left as it is).
  private async bootstrap(api: APIServer): Promise<void> {
    const gv = `${GroupName}/v1`;
    const create = async (store: Store<KObject>, obj: KObject) => {
      await store.create(undefined, structuredClone(obj)).catch((err) => { if (!(err instanceof StatusError && err.code === 409)) throw err; });
    };
    for (const role of bootstrapClusterRoles()) await create(api.store(gv, 'clusterroles'), role);
    for (const binding of bootstrapClusterRoleBindings()) await create(api.store(gv, 'clusterrolebindings'), binding);
  }
}
// #endregion api-security

// The RBAC listers over the API server's own stores (upstream reads informer caches of the same objects).
function storeLister(api: APIServer): RBACLister {
  const gv = `${GroupName}/v1`;
  const roles = api.store<Role>(gv, 'roles'), clusterRoles = api.store<ClusterRole>(gv, 'clusterroles');
  const roleBindings = api.store<RoleBinding>(gv, 'rolebindings'), clusterRoleBindings = api.store<RoleBinding>(gv, 'clusterrolebindings');
  const orUndefined = <T>(p: Promise<T>) => p.catch((err) => { if (err instanceof StatusError && err.code === 404) return undefined; throw err; });
  return {
    getRole: (ns, name) => orUndefined(roles.get(ns, name)),
    getClusterRole: (name) => orUndefined(clusterRoles.get(undefined, name)),
    listRoleBindings: async (ns) => (await roleBindings.list(ns)).items,
    listClusterRoleBindings: async () => (await clusterRoleBindings.list(undefined)).items,
  };
}
