// The audit Policy: rules in order, the first match decides a request's level and the stages it omits
// (k8s.io/apiserver/pkg/apis/audit/v1 Policy, pkg/audit/policy/checker.go, reader.go, apis/audit/validation).
import { parse as parseYAML } from 'yaml';
import { levelOrder, stages, type Level, type Stage } from './event.ts';

export interface GroupResources { group?: string; resources?: string[]; resourceNames?: string[] }
export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
}
export interface Policy { apiVersion: 'audit.k8s.io/v1'; kind: 'Policy'; rules: PolicyRule[]; omitStages?: Stage[] }

// authorizer.Attributes, the part a rule reads: who, which verb, which resource or path.
export interface PolicyAttributes {
  user?: { username: string; groups?: string[] };
  verb: string;
  isResourceRequest: boolean;
  path: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface RequestAuditConfig { level: Level; omitStages: Stage[] }

// #region audit-policy
// EvaluatePolicyRule: the first rule that matches; no rule, level None (nothing is logged).
export function evaluatePolicy(policy: Policy, attrs: PolicyAttributes): RequestAuditConfig {
  for (const rule of policy.rules) {
    if (ruleMatches(rule, attrs)) {
      return { level: rule.level, omitStages: [...new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])])] };
    }
  }
  return { level: 'None', omitStages: policy.omitStages ?? [] };
}

function ruleMatches(r: PolicyRule, a: PolicyAttributes): boolean {
  if (r.users?.length && !(a.user && r.users.includes(a.user.username))) return false;
  if (r.userGroups?.length && !(a.user?.groups ?? []).some((g) => r.userGroups!.includes(g))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return ruleMatchesResource(r, a);
  if (r.nonResourceURLs?.length) return !a.isResourceRequest && r.nonResourceURLs.some((spec) => pathMatches(a.path, spec));
  return true;
}

// "pods" (no subresource), "pods/exec", "pods/*" (every subresource of pods), "*/exec" (exec of anything), "*".
function ruleMatchesResource(r: PolicyRule, a: PolicyAttributes): boolean {
  if (!a.isResourceRequest) return false;
  // A cluster-scoped resource has the namespace "".
  if (r.namespaces?.length && !r.namespaces.includes(a.namespace ?? '')) return false;
  if (!r.resources?.length) return true;
  const resource = a.resource ?? '';
  const sub = a.subresource ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== (a.apiGroup ?? '')) continue;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(a.name ?? '')) continue;
    for (const res of gr.resources) {
      if (res === combined || res === '*') return true;
      if (sub && res.startsWith('*/') && res.slice(2) === sub) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
    }
  }
  return false;
}

function pathMatches(path: string, spec: string): boolean {
  return spec === '*' || spec === path || (spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, '')));
}
// #endregion audit-policy

// LoadPolicyFromBytes + ValidatePolicy, reduced: YAML or JSON, audit.k8s.io/v1 only, known levels and stages,
// a rule names resources or non-resource URLs, not both. Errors name the field, as the validation does.
export function parsePolicy(text: string, source = 'policy'): Policy {
  let doc: unknown;
  try { doc = parseYAML(text); } catch (err) { throw new Error(`failed decoding ${source}: ${(err as Error).message}`); }
  const p = doc as Partial<Policy> | null;
  if (!p || typeof p !== 'object') throw new Error(`failed decoding ${source}: not an object`);
  if (p.apiVersion !== 'audit.k8s.io/v1' || p.kind !== 'Policy') {
    throw new Error(`failed decoding ${source}: want apiVersion audit.k8s.io/v1 and kind Policy, got ${p.apiVersion ?? '""'} ${p.kind ?? '""'}`);
  }
  if (!Array.isArray(p.rules) || p.rules.length === 0) throw new Error(`loaded illegal policy with 0 rules from file ${source}`);
  const errs: string[] = [];
  const checkStages = (field: string, list: unknown) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) return void errs.push(`${field}: Invalid value: must be a list`);
    list.forEach((s, i) => { if (!stages.includes(s)) errs.push(`${field}[${i}]: Unsupported value: "${s}": supported values: "${stages.join('", "')}"`); });
  };
  checkStages('omitStages', p.omitStages);
  p.rules.forEach((r, i) => {
    const f = `rules[${i}]`;
    if (!levelOrder.includes(r?.level)) errs.push(`${f}.level: Unsupported value: "${r?.level ?? ''}": supported values: "${levelOrder.join('", "')}"`);
    checkStages(`${f}.omitStages`, r?.omitStages);
    if (r?.nonResourceURLs?.length && (r.resources?.length || r.namespaces?.length)) {
      errs.push(`${f}.nonResourceURLs: Invalid value: ${JSON.stringify(r.nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs`);
    }
    for (const u of r?.nonResourceURLs ?? []) {
      if (!u.startsWith('/') && u !== '*') errs.push(`${f}.nonResourceURLs: Invalid value: "${u}": non-resource URL rules must begin with a '/' character`);
    }
  });
  if (errs.length) throw new Error(`invalid audit policy in ${source}: ${errs.join('; ')}`);
  return p as Policy;
}
