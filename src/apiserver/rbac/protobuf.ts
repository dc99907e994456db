// Role, ClusterRole, RoleBinding and ClusterRoleBinding from kubectl's protobuf bodies (`kubectl create role`,
// `kubectl create rolebinding`; k8s.io/api/rbac/v1/generated.proto field numbers). Pure: bytes in, object out.
import { readFields, readMap, readObjectMeta, unwrapEnvelope } from '../../api/protobuf.ts';
import type { AggregationRule, PolicyRule, RoleRef, Subject } from './types.ts';

type Fields = ReturnType<typeof readFields>;
const text = (b?: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b ?? new Uint8Array());
const str = (f: Fields, n: number) => text(f.find((x) => x.num === n)?.bytes);
const strs = (f: Fields, n: number) => f.filter((x) => x.num === n && x.bytes).map((x) => text(x.bytes));
const subs = (f: Fields, n: number) => f.filter((x) => x.num === n && x.bytes).map((x) => readFields(x.bytes!));

// PolicyRule: verbs=1 apiGroups=2 resources=3 resourceNames=4 nonResourceURLs=5 (empty lists left out, as JSON omits them).
function policyRule(f: Fields): PolicyRule {
  const rule: PolicyRule = { verbs: strs(f, 1) };
  const lists = { apiGroups: strs(f, 2), resources: strs(f, 3), resourceNames: strs(f, 4), nonResourceURLs: strs(f, 5) };
  for (const [k, v] of Object.entries(lists)) if (v.length) (rule as unknown as Record<string, string[]>)[k] = v;
  return rule;
}

// Subject: kind=1 apiGroup=2 name=3 namespace=4. RoleRef: apiGroup=1 kind=2 name=3.
function subject(f: Fields): Subject {
  const s: Subject = { kind: str(f, 1), name: str(f, 3) };
  if (str(f, 2)) s.apiGroup = str(f, 2);
  if (str(f, 4)) s.namespace = str(f, 4);
  return s;
}
const roleRef = (f: Fields): RoleRef => ({ apiGroup: str(f, 1), kind: str(f, 2), name: str(f, 3) });

// AggregationRule: clusterRoleSelectors=1, each a LabelSelector with matchLabels=1.
function aggregationRule(f: Fields): AggregationRule {
  return { clusterRoleSelectors: subs(f, 1).map((sel) => ({ matchLabels: readMap(sel, 1) ?? {} })) };
}

export function decodeRBACProtobuf(body: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw } = unwrapEnvelope(body);
  const f = readFields(raw);
  const meta = f.find((x) => x.num === 1)?.bytes;
  const obj: Record<string, unknown> = { apiVersion, kind, metadata: meta ? readObjectMeta(meta) : {} };
  if (kind === 'Role' || kind === 'ClusterRole') {
    obj.rules = subs(f, 2).map(policyRule);
    const agg = subs(f, 3)[0];
    if (kind === 'ClusterRole' && agg) obj.aggregationRule = aggregationRule(agg);
  } else {
    obj.subjects = subs(f, 2).map(subject);
    const ref = subs(f, 3)[0];
    if (ref) obj.roleRef = roleRef(ref);
  }
  return obj;
}
