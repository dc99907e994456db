// Does one PolicyRule allow a request? (plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows, pkg/apis/rbac/v1
// evaluation_helpers.go: VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches, NonResourceURLMatches). Pure.
import type { Attributes } from '../auth/authorizer.ts';
import type { PolicyRule } from './types.ts';

const All = '*';

// #region rule-allows
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (a.resourceRequest) {
    // A subresource is matched as "pods/exec": a rule for "pods" alone does not reach it.
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource ?? '';
    return verbMatches(rule, a.verb) && apiGroupMatches(rule, a.apiGroup ?? '') &&
      resourceMatches(rule, combined, a.subresource ?? '') && resourceNameMatches(rule, a.name ?? '');
  }
  return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path ?? '');
}
// #endregion rule-allows

export const verbMatches = (rule: PolicyRule, verb: string) => rule.verbs.some((v) => v === All || v === verb);

export const apiGroupMatches = (rule: PolicyRule, group: string) => (rule.apiGroups ?? []).some((g) => g === All || g === group);

// "*" is every resource and subresource; "*/exec" is the exec subresource of any resource.
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some((r) =>
    r === All || r === combined || (subresource !== '' && r === `*/${subresource}`));
}

// No resourceNames: any name. With some, only those (so a list or a create, which have no name, never matches).
export const resourceNameMatches = (rule: PolicyRule, name: string) =>
  !rule.resourceNames?.length || rule.resourceNames.includes(name);

// "/healthz" exactly, or a trailing "*" as a prefix ("/apis/*").
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) =>
    u === All || u === path || (u.endsWith(All) && path.startsWith(u.slice(0, -1))));
}
