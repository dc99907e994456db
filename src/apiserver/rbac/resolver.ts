// Which rules apply to a user in a namespace: every ClusterRoleBinding naming the user (or a group of theirs), then
// the RoleBindings of the namespace, each through its role (pkg/registry/rbac/validation/rule.go, DefaultRuleResolver).
import type { UserInfo } from '../request-context.ts';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from './types.ts';
import { GroupName } from './types.ts';
import { q } from '../auth/authorizer.ts';

// The four listers the resolver reads (RoleGetter, RoleBindingLister, ClusterRoleGetter, ClusterRoleBindingLister).
// A getter answers undefined for a role that does not exist.
export interface RBACLister {
  getRole(namespace: string, name: string): Promise<Role | undefined>;
  listRoleBindings(namespace: string): Promise<RoleBinding[]>;
  getClusterRole(name: string): Promise<ClusterRole | undefined>;
  listClusterRoleBindings(): Promise<ClusterRoleBinding[]>;
}

// Where a rule came from, as the reason of an allowed SubjectAccessReview names it.
export type RuleSource = { toString(): string };
// Returns false to stop visiting.
export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, err: Error | undefined) => boolean;

// #region visit-rules
export async function visitRulesFor(lister: RBACLister, user: UserInfo, namespace: string, visit: RuleVisitor): Promise<void> {
  for (const binding of await lister.listClusterRoleBindings()) {
    const subject = appliesTo(user, binding.subjects ?? [], '');
    if (!subject) continue;
    const rules = await roleReferenceRules(lister, binding.roleRef, '');
    if (rules instanceof Error) { if (!visit(undefined, undefined, rules)) return; continue; }
    const source = { toString: () => `ClusterRoleBinding ${q(binding.metadata.name ?? '')} of ${binding.roleRef.kind} ${q(binding.roleRef.name)} to ${describeSubject(subject, '')}` };
    for (const rule of rules) if (!visit(source, rule, undefined)) return;
  }
  if (!namespace) return;
  for (const binding of await lister.listRoleBindings(namespace)) {
    const subject = appliesTo(user, binding.subjects ?? [], namespace);
    if (!subject) continue;
    // A RoleBinding may point at a ClusterRole: its rules then apply in this namespace only.
    const rules = await roleReferenceRules(lister, binding.roleRef, namespace);
    if (rules instanceof Error) { if (!visit(undefined, undefined, rules)) return; continue; }
    const source = { toString: () => `RoleBinding ${q(`${binding.metadata.name}/${namespace}`)} of ${binding.roleRef.kind} ${q(binding.roleRef.name)} to ${describeSubject(subject, namespace)}` };
    for (const rule of rules) if (!visit(source, rule, undefined)) return;
  }
}
// #endregion visit-rules

// RulesFor: every rule that applies, and the errors met on the way (a binding to a role that does not exist).
export async function rulesFor(lister: RBACLister, user: UserInfo, namespace: string): Promise<{ rules: PolicyRule[]; errors: Error[] }> {
  const rules: PolicyRule[] = [];
  const errors: Error[] = [];
  await visitRulesFor(lister, user, namespace, (_s, rule, err) => { if (rule) rules.push(rule); if (err) errors.push(err); return true; });
  return { rules, errors };
}

// The rules a binding's roleRef names, or the lister's NotFound ("clusterrole.rbac.authorization.k8s.io "x" not found").
async function roleReferenceRules(lister: RBACLister, ref: RoleRef, namespace: string): Promise<PolicyRule[] | Error> {
  const role = ref.kind === 'Role' ? await lister.getRole(namespace, ref.name)
    : ref.kind === 'ClusterRole' ? await lister.getClusterRole(ref.name) : undefined;
  if (ref.kind !== 'Role' && ref.kind !== 'ClusterRole') return new Error(`unsupported role reference kind: ${q(ref.kind)}`);
  if (!role) return new Error(`${ref.kind.toLowerCase()}.${GroupName} ${q(ref.name)} not found`);
  return role.rules ?? [];
}

// The first subject of a binding that is this user: by name, by one of their groups, or as a service account.
export function appliesTo(user: UserInfo, subjects: Subject[], bindingNamespace: string): Subject | undefined {
  return subjects.find((s) => appliesToUser(user, s, bindingNamespace));
}

function appliesToUser(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User': return user.name === subject.name;
    case 'Group': return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A service account subject without a namespace means the binding's own.
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default: return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${q(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${q(s.name)}`;
}
