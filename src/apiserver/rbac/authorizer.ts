// The RBAC authorizer: allowed when any rule that applies to the user allows the request; otherwise no opinion,
// never a denial (plugin/pkg/auth/authorizer/rbac/rbac.go, RBACAuthorizer.Authorize).
import type { Attributes, Authorization, Authorizer } from '../auth/authorizer.ts';
import { ruleAllows } from './rule.ts';
import { rulesFor, visitRulesFor, type RBACLister } from './resolver.ts';
import type { PolicyRule } from './types.ts';

// #region rbac-authorize
export class RBACAuthorizer implements Authorizer {
  constructor(private readonly lister: RBACLister) {}

  async authorize(a: Attributes): Promise<Authorization> {
    let reason = '';
    const errors: Error[] = [];
    await visitRulesFor(this.lister, a.user, a.namespace ?? '', (source, rule, err) => {
      if (source && rule && ruleAllows(a, rule)) { reason = `RBAC: allowed by ${source}`; return false; }
      if (err) errors.push(err);
      return true;
    });
    if (reason) return { decision: 'Allow', reason };
    // A denial says nothing about why, unless the policy itself is broken: a binding to a missing role.
    return { decision: 'NoOpinion', reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
  }
  // #endregion rbac-authorize

  // For SelfSubjectRulesReview: every rule the user has in a namespace.
  rulesFor(user: Attributes['user'], namespace: string): Promise<{ rules: PolicyRule[]; errors: Error[] }> {
    return rulesFor(this.lister, user, namespace);
  }
}

// utilerrors.NewAggregate(...).Error(): one message bare, several (duplicates dropped) in brackets.
export function aggregate(errors: Error[]): string {
  const msgs = [...new Set(errors.map((e) => e.message))];
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}
