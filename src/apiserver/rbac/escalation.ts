// RBAC cannot be used to climb: writing a role with rules one does not hold needs `escalate`, binding a role one does
// not hold needs `bind`; otherwise the writer's own rules must cover it (pkg/registry/rbac/{role,clusterrole,
// rolebinding,clusterrolebinding}/policybased/storage.go, pkg/registry/rbac/escalation_check.go,
// pkg/registry/rbac/validation/policy_comparator.go Covers, rule.go ConfirmNoEscalation).
import type { RequestContext, UserInfo } from '../request-context.ts';
import { newForbidden, type Authorizer } from '../auth/authorizer.ts';
import { SystemPrivilegedGroup } from '../auth/user.ts';
import { aggregate } from './authorizer.ts';
import { rulesFor, type RBACLister } from './resolver.ts';
import { GroupName, type PolicyRule, type Role, type RoleBinding, type RoleRef } from './types.ts';

// EscalationAllowed: system:masters may grant anything.
const escalationAllowed = (user: UserInfo) => user.groups.includes(SystemPrivilegedGroup);

// Covers: every single permission the rules grant (one verb, one group, one resource, one name) is one the owner has.
export function covers(owner: PolicyRule[], requested: PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = requested.flatMap(breakdown).filter((r) => !owner.some((o) => ruleCovers(o, r)));
  return { covered: missing.length === 0, missing };
}

// BreakdownRule: a rule as its smallest parts.
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) for (const resource of rule.resources ?? []) for (const verb of rule.verbs) {
    if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
    else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ verbs: [verb], nonResourceURLs: [url] });
  return out;
}

const has = (set: string[] | undefined, v: string) => (set ?? []).includes(v);

// ruleCovers: the owner's rule grants at least the requested one; "*" and "*/sub" count, a resourceName narrows.
function ruleCovers(owner: PolicyRule, r: PolicyRule): boolean {
  if (!has(owner.verbs, '*') && !r.verbs.every((v) => has(owner.verbs, v))) return false;
  if (r.nonResourceURLs?.length) {
    return r.nonResourceURLs.every((u) => (owner.nonResourceURLs ?? []).some((o) => o === '*' || o === u || (o.endsWith('*') && u.startsWith(o.slice(0, -1)))));
  }
  if (!has(owner.apiGroups, '*') && !(r.apiGroups ?? []).every((g) => has(owner.apiGroups, g))) return false;
  const resourcesCovered = has(owner.resources, '*') || (r.resources ?? []).every((res) =>
    has(owner.resources, res) || (res.includes('/') && has(owner.resources, `*/${res.split('/').slice(1).join('/')}`)));
  if (!resourcesCovered) return false;
  if (!owner.resourceNames?.length) return true;
  return !!r.resourceNames?.length && r.resourceNames.every((n) => has(owner.resourceNames, n));
}

// CompactString: {APIGroups:[""], Resources:["pods/exec"], Verbs:["create"]}, Go's %q of a []string.
function compactString(r: PolicyRule): string {
  const list = (v: string[]) => `[${v.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${list(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${list(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${list(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${list(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

// CompactRules: the missing single permissions merged back by everything but the verb, for a shorter refusal.
function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  for (const r of rules) {
    const key = JSON.stringify({ ...r, verbs: [] });
    const seen = byKey.get(key);
    if (seen) { if (!seen.verbs.includes(r.verbs[0]!)) seen.verbs.push(r.verbs[0]!); } else byKey.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...byKey.values()];
}

// ConfirmNoEscalation: the writer's rules in the namespace (cluster-wide ones only for "") must cover the rules given.
export async function confirmNoEscalation(lister: RBACLister, user: UserInfo, namespace: string, rules: PolicyRule[]): Promise<string | undefined> {
  const owner = await rulesFor(lister, user, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length) msg += `; resolution errors: [${aggregate(owner.errors)}]`;
  return msg;
}

type Checked = { beforeWrite: ((obj: never, ctx: RequestContext | undefined) => Promise<void>)[] };

// #region escalation-checks
export function installEscalationChecks(stores: { roles: Checked; clusterRoles: Checked; roleBindings: Checked; clusterRoleBindings: Checked },
  lister: RBACLister, authorizer: Authorizer): void {
  // Only writes that come through the API have a user; the bootstrap writes directly and is trusted.
  const userOf = (ctx: RequestContext | undefined) => ctx?.user;
  const allowedTo = async (user: UserInfo, verb: string, resource: string, namespace: string, name: string) =>
    (await authorizer.authorize({ user, verb, resourceRequest: true, apiGroup: GroupName, resource, namespace, name })).decision === 'Allow';

  const roleCheck = (resource: 'roles' | 'clusterroles') => async (role: Role, ctx: RequestContext | undefined) => {
    const user = userOf(ctx);
    if (!user || escalationAllowed(user)) return;
    const namespace = role.metadata.namespace ?? '';
    if (await allowedTo(user, 'escalate', resource, namespace, role.metadata.name ?? '')) return;
    const err = await confirmNoEscalation(lister, user, namespace, role.rules ?? []);
    if (err) throw newForbidden(GroupName, resource, role.metadata.name ?? '', err);
  };

  const bindingCheck = (resource: 'rolebindings' | 'clusterrolebindings') => async (binding: RoleBinding, ctx: RequestContext | undefined) => {
    const user = userOf(ctx);
    if (!user || escalationAllowed(user)) return;
    const namespace = binding.metadata.namespace ?? '';
    const ref: RoleRef = binding.roleRef;
    // BindingAuthorized: `bind` on the very role named.
    if (await allowedTo(user, 'bind', ref.kind === 'Role' ? 'roles' : 'clusterroles', namespace, ref.name)) return;
    const role = ref.kind === 'Role' ? await lister.getRole(namespace, ref.name) : await lister.getClusterRole(ref.name);
    if (!role) throw newForbidden(GroupName, resource, binding.metadata.name ?? '', `${ref.kind.toLowerCase()}.${GroupName} ${JSON.stringify(ref.name)} not found`);
    const err = await confirmNoEscalation(lister, user, namespace, role.rules ?? []);
    if (err) throw newForbidden(GroupName, resource, binding.metadata.name ?? '', err);
  };

  stores.roles.beforeWrite.push(roleCheck('roles') as never);
  stores.clusterRoles.beforeWrite.push(roleCheck('clusterroles') as never);
  stores.roleBindings.beforeWrite.push(bindingCheck('rolebindings') as never);
  stores.clusterRoleBindings.beforeWrite.push(bindingCheck('clusterrolebindings') as never);
}
// #endregion escalation-checks
