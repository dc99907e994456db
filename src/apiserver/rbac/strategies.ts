// Role, ClusterRole, RoleBinding and ClusterRoleBinding as stored resources of rbac.authorization.k8s.io/v1
// (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/strategy.go, pkg/apis/rbac/validation,
// pkg/apis/rbac/v1/defaults.go, and their printers in pkg/printers/internalversion/printers.go).
import type { TableColumnDefinition } from '../../api/table.ts';
import { age } from '../printers/duration.ts';
import { metaFields, type RESTStrategy } from '../registry/strategy.ts';
import { invalidValue, notSupported, required, type FieldError } from '../registry/validation.ts';
import { badRequest } from '../../api/status.ts';
import { GroupName, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type Subject } from './types.ts';
import { decodeRBACProtobuf } from './protobuf.ts';

const col = (name: string, description: string, type: TableColumnDefinition['type'] = 'string', priority = 0, format = ''): TableColumnDefinition =>
  ({ name, type, format, description, priority });
const nameCol = col('Name', 'Name must be unique within a namespace.', 'string', 0, 'name');
const created = 'CreationTimestamp is a timestamp representing the server time when this object was created.';

// What Go's JSON decoder refuses before the strategy runs: a field of the wrong type ("verbs": "get"). Checked here so
// that nothing stored can later break the evaluator for every request.
function checkTypes(kind: string, obj: Role & Partial<RoleBinding>): void {
  const what = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  const fail = (field: string, v: unknown, want: string) => {
    throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${what(v)} into Go struct field ${field} of type ${want}`);
  };
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const strings = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (kind === 'Role' || kind === 'ClusterRole') {
    if (obj.rules !== undefined && obj.rules !== null && !Array.isArray(obj.rules)) fail(`${kind}.rules`, obj.rules, '[]v1.PolicyRule');
    for (const rule of obj.rules ?? []) {
      if (!isObj(rule)) fail(`${kind}.rules`, rule, 'v1.PolicyRule');
      for (const f of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
        if (!strings(rule[f])) fail(`PolicyRule.rules.${f}`, rule[f], '[]string');
      }
    }
    return;
  }
  obj.roleRef ??= { apiGroup: '', kind: '', name: '' };
  if (!isObj(obj.roleRef)) fail(`${kind}.roleRef`, obj.roleRef, 'v1.RoleRef');
  for (const f of ['apiGroup', 'kind', 'name'] as const) if (obj.roleRef![f] !== undefined && typeof obj.roleRef![f] !== 'string') fail(`RoleRef.roleRef.${f}`, obj.roleRef![f], 'string');
  if (obj.subjects !== undefined && obj.subjects !== null && !Array.isArray(obj.subjects)) fail(`${kind}.subjects`, obj.subjects, '[]v1.Subject');
  for (const sub of obj.subjects ?? []) {
    if (!isObj(sub)) fail(`${kind}.subjects`, sub, 'v1.Subject');
    for (const f of ['kind', 'apiGroup', 'name', 'namespace'] as const) if (sub[f] !== undefined && typeof sub[f] !== 'string') fail(`Subject.subjects.${f}`, sub[f], 'string');
  }
}

// ValidateRBACName is path.IsValidPathSegmentName: "system:masters" is a fine name, "a/b" and ".." are not.
export function rbacNameErrors(field: string, name: string): FieldError[] {
  if (name === '.' || name === '..') return [invalidValue(field, name, `may not be '${name}'`)];
  for (const c of ['/', '%']) if (name.includes(c)) return [invalidValue(field, name, `may not contain '${c}'`)];
  return [];
}

// field.Invalid prints values that are not strings or numbers with Go's %#v: []string{"/x"}, rbac.RoleRef{...}.
const goStrings = (v: string[]) => `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
const goInvalid = (field: string, goValue: string, detail: string): FieldError => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue}: ${detail}` });

// ValidatePolicyRule: verbs always; a rule is about resources (groups and resources required) or about URLs, not both.
function validateRules(rules: PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((rule, i) => {
    const p = `rules[${i}]`;
    if (!rule.verbs?.length) errs.push(required(`${p}.verbs`, 'verbs must contain at least one value'));
    if (rule.nonResourceURLs?.length) {
      if (namespaced) errs.push(goInvalid(`${p}.nonResourceURLs`, goStrings(rule.nonResourceURLs), 'namespaced rules cannot apply to non-resource URLs'));
      if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
        errs.push(goInvalid(`${p}.nonResourceURLs`, goStrings(rule.nonResourceURLs), 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!rule.apiGroups?.length) errs.push(required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!rule.resources?.length) errs.push(required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

// SetDefaults_Subject and SetDefaults_RoleBinding: users and groups, and the roleRef, are of the RBAC group.
function defaultBinding(kind: string) {
  return (b: RoleBinding): void => {
    checkTypes(kind, b as never);
    defaultRefs(b);
  };
}

function defaultRefs(b: RoleBinding): void {
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
  if (a.apiGroup === o.apiGroup && a.kind === o.kind && a.name === o.name) return [];
  const q = JSON.stringify;
  return [goInvalid('roleRef', `rbac.RoleRef{APIGroup:${q(a.apiGroup)}, Kind:${q(a.kind)}, Name:${q(a.name)}}`, 'cannot change roleRef')];
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

export const roleStrategy: RESTStrategy<Role> = {
  ...common, resource: 'roles', singular: 'role', kind: 'Role', namespaced: true,
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  prepareForCreate: (r) => checkTypes('Role', r), prepareForUpdate: (r) => checkTypes('Role', r),
  validate: (r) => validateRules(r.rules, true), validateUpdate: (r) => validateRules(r.rules, true),
  selectableFields: (r) => metaFields(r.metadata, true), table: roleTable,
};

export const clusterRoleStrategy: RESTStrategy<ClusterRole> = {
  ...common, resource: 'clusterroles', singular: 'clusterrole', kind: 'ClusterRole', namespaced: false,
  prepareForCreate: (r) => checkTypes('ClusterRole', r), prepareForUpdate: (r) => checkTypes('ClusterRole', r),
  validate: (r) => validateRules(r.rules, false), validateUpdate: (r) => validateRules(r.rules, false),
  selectableFields: (r) => metaFields(r.metadata, false), table: roleTable,
};

export const roleBindingStrategy: RESTStrategy<RoleBinding> = {
  ...common, resource: 'rolebindings', singular: 'rolebinding', kind: 'RoleBinding', namespaced: true,
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  prepareForCreate: defaultBinding('RoleBinding'), prepareForUpdate: defaultBinding('RoleBinding'),
  validate: (b) => validateBinding(b, ['Role', 'ClusterRole']),
  validateUpdate: (b, old) => [...validateBinding(b, ['Role', 'ClusterRole']), ...roleRefUnchanged(b, old)],
  selectableFields: (b) => metaFields(b.metadata, true), table: bindingTable,
};

export const clusterRoleBindingStrategy: RESTStrategy<RoleBinding> = {
  ...common, resource: 'clusterrolebindings', singular: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false,
  prepareForCreate: defaultBinding('ClusterRoleBinding'), prepareForUpdate: defaultBinding('ClusterRoleBinding'),
  validate: (b) => validateBinding(b, ['ClusterRole']),
  validateUpdate: (b, old) => [...validateBinding(b, ['ClusterRole']), ...roleRefUnchanged(b, old)],
  selectableFields: (b) => metaFields(b.metadata, false), table: bindingTable,
};

export const rbacStrategies = [roleStrategy, clusterRoleStrategy, roleBindingStrategy, clusterRoleBindingStrategy];
