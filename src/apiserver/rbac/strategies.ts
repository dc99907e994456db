// Role, ClusterRole, RoleBinding and ClusterRoleBinding as stored resources of rbac.authorization.k8s.io/v1
// (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/strategy.go, pkg/apis/rbac/validation,
// pkg/apis/rbac/v1/defaults.go, and their printers in pkg/printers/internalversion/printers.go).
import type { TableColumnDefinition } from '../../api/table.ts';
import { age } from '../printers/duration.ts';
import { metaFields, type RESTStrategy } from '../registry/strategy.ts';
import { invalidValue, notSupported, required, type FieldError } from '../registry/validation.ts';
import { GroupName, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type Subject } from './types.ts';
import { decodeRBACProtobuf } from './protobuf.ts';

const col = (name: string, description: string, type: TableColumnDefinition['type'] = 'string', priority = 0, format = ''): TableColumnDefinition =>
  ({ name, type, format, description, priority });
const nameCol = col('Name', 'Name must be unique within a namespace.', 'string', 0, 'name');
const created = 'CreationTimestamp is a timestamp representing the server time when this object was created.';

// ValidateRBACName is path.IsValidPathSegmentName: "system:masters" is a fine name, "a/b" and ".." are not.
export function rbacNameErrors(field: string, name: string): FieldError[] {
  if (name === '.' || name === '..') return [invalidValue(field, name, `may not be '${name}'`)];
  for (const c of ['/', '%']) if (name.includes(c)) return [invalidValue(field, name, `may not contain '${c}'`)];
  return [];
}

// ValidatePolicyRule: verbs always; a rule is about resources (groups and resources required) or about URLs, not both.
function validateRules(rules: PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((rule, i) => {
    const p = `rules[${i}]`;
    if (!rule.verbs?.length) errs.push(required(`${p}.verbs`, 'verbs must contain at least one value'));
    if (rule.nonResourceURLs?.length) {
      if (namespaced) errs.push(invalidValue(`${p}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
        errs.push(invalidValue(`${p}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!rule.apiGroups?.length) errs.push(required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!rule.resources?.length) errs.push(required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

// SetDefaults_Subject and SetDefaults_RoleBinding: users and groups, and the roleRef, are of the RBAC group.
function defaultBinding(b: RoleBinding): void {
  b.roleRef ??= { apiGroup: '', kind: '', name: '' };
  b.roleRef.apiGroup ||= GroupName;
  for (const s of b.subjects ?? []) if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = GroupName;
}

function validateBinding(b: RoleBinding, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (b.roleRef.apiGroup !== GroupName) errs.push(notSupported('roleRef.apiGroup', b.roleRef.apiGroup, [GroupName]));
  if (!kinds.includes(b.roleRef.kind)) errs.push(notSupported('roleRef.kind', b.roleRef.kind, kinds));
  if (!b.roleRef.name) errs.push(required('roleRef.name'));
  else errs.push(...rbacNameErrors('roleRef.name', b.roleRef.name));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, `subjects[${i}]`, kinds.length === 2)));
  return errs;
}

function validateSubject(s: Subject, p: string, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${p}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.apiGroup) errs.push(notSupported(`${p}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${p}.namespace`));
      break;
    case 'User': case 'Group':
      if (s.apiGroup !== GroupName) errs.push(notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [GroupName]));
      break;
    default: errs.push(notSupported(`${p}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

// ValidateRoleBindingUpdate: a binding's role is fixed for life; to point elsewhere, delete and create.
function roleRefUnchanged(b: RoleBinding, old: RoleBinding): FieldError[] {
  const a = b.roleRef, o = old.roleRef;
  return a.apiGroup === o.apiGroup && a.kind === o.kind && a.name === o.name ? [] : [invalidValue('roleRef', b.roleRef, 'cannot change roleRef')];
}

const roleTable = {
  columns: [nameCol, col('Created At', created, 'date')],
  row: (r: Role) => ({ cells: [r.metadata.name ?? '', r.metadata.creationTimestamp ?? ''] }),
};

const subjectsOf = (b: RoleBinding, kind: string) => (b.subjects ?? []).filter((s) => s.kind === kind)
  .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name)).join(', ');
const bindingTable = {
  columns: [nameCol, col('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'), col('Age', created),
    col('Users', 'Users in the roleBinding', 'string', 1), col('Groups', 'Groups in the roleBinding', 'string', 1), col('ServiceAccounts', 'ServiceAccounts in the roleBinding', 'string', 1)],
  row: (b: RoleBinding, now: Date) => ({
    cells: [b.metadata.name ?? '', `${b.roleRef.kind}/${b.roleRef.name}`, age(b.metadata.creationTimestamp, now),
      subjectsOf(b, 'User'), subjectsOf(b, 'Group'), subjectsOf(b, 'ServiceAccount')],
  }),
};

const common = { group: GroupName, version: 'v1', shortNames: [] as string[], nameErrors: rbacNameErrors, fieldLabels: ['metadata.name'], decodeProtobuf: decodeRBACProtobuf };

// #region rbac-strategies
export const roleStrategy: RESTStrategy<Role> = {
  ...common, resource: 'roles', singular: 'role', kind: 'Role', namespaced: true,
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  prepareForCreate: () => {}, prepareForUpdate: () => {},
  validate: (r) => validateRules(r.rules, true), validateUpdate: (r) => validateRules(r.rules, true),
  selectableFields: (r) => metaFields(r.metadata, true), table: roleTable,
};

export const clusterRoleStrategy: RESTStrategy<ClusterRole> = {
  ...common, resource: 'clusterroles', singular: 'clusterrole', kind: 'ClusterRole', namespaced: false,
  prepareForCreate: () => {}, prepareForUpdate: () => {},
  validate: (r) => validateRules(r.rules, false), validateUpdate: (r) => validateRules(r.rules, false),
  selectableFields: (r) => metaFields(r.metadata, false), table: roleTable,
};

export const roleBindingStrategy: RESTStrategy<RoleBinding> = {
  ...common, resource: 'rolebindings', singular: 'rolebinding', kind: 'RoleBinding', namespaced: true,
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  prepareForCreate: defaultBinding, prepareForUpdate: defaultBinding,
  validate: (b) => validateBinding(b, ['Role', 'ClusterRole']),
  validateUpdate: (b, old) => [...validateBinding(b, ['Role', 'ClusterRole']), ...roleRefUnchanged(b, old)],
  selectableFields: (b) => metaFields(b.metadata, true), table: bindingTable,
};

export const clusterRoleBindingStrategy: RESTStrategy<RoleBinding> = {
  ...common, resource: 'clusterrolebindings', singular: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false,
  prepareForCreate: defaultBinding, prepareForUpdate: defaultBinding,
  validate: (b) => validateBinding(b, ['ClusterRole']),
  validateUpdate: (b, old) => [...validateBinding(b, ['ClusterRole']), ...roleRefUnchanged(b, old)],
  selectableFields: (b) => metaFields(b.metadata, false), table: bindingTable,
};
// #endregion rbac-strategies

export const rbacStrategies = [roleStrategy, clusterRoleStrategy, roleBindingStrategy, clusterRoleBindingStrategy];
