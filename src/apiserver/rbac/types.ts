// rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding (k8s.io/api/rbac/v1/types.go).
import type { ObjectMeta } from '../../api/types.ts';

export const GroupName = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject { kind: 'User' | 'Group' | 'ServiceAccount' | string; apiGroup?: string; name: string; namespace?: string }
export interface RoleRef { apiGroup: string; kind: 'Role' | 'ClusterRole' | string; name: string }

export interface LabelSelector { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }
export interface AggregationRule { clusterRoleSelectors?: LabelSelector[] }

export interface Role { kind?: string; apiVersion?: string; metadata: ObjectMeta; rules?: PolicyRule[] }
export interface ClusterRole extends Role { aggregationRule?: AggregationRule }
export interface RoleBinding { kind?: string; apiVersion?: string; metadata: ObjectMeta; subjects?: Subject[]; roleRef: RoleRef }
export type ClusterRoleBinding = RoleBinding;
