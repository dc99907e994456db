// The reviews as kubectl's typed client POSTs them: the "k8s\0" envelope around an authorization.k8s.io/v1 or
// authentication.k8s.io/v1 message (k8s.io/api/{authorization,authentication}/v1/generated.proto field numbers). Pure: bytes in, the JSON-shaped object out.
import { ProtobufError, protobufMagic, readFields } from '../../api/protobuf.ts';

type Fields = ReturnType<typeof readFields>;
const text = (b?: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b ?? new Uint8Array());
const str = (f: Fields, n: number) => text(f.find((x) => x.num === n)?.bytes);
const strs = (f: Fields, n: number) => f.filter((x) => x.num === n && x.bytes).map((x) => text(x.bytes));
const sub = (f: Fields, n: number) => { const b = f.find((x) => x.num === n && x.bytes)?.bytes; return b ? readFields(b) : undefined; };
const omitEmpty = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== undefined && !(Array.isArray(v) && v.length === 0)));

// ResourceAttributes: namespace=1 verb=2 group=3 version=4 resource=5 subresource=6 name=7.
function resourceAttributes(f: Fields) {
  return omitEmpty({ namespace: str(f, 1), verb: str(f, 2), group: str(f, 3), version: str(f, 4), resource: str(f, 5), subresource: str(f, 6), name: str(f, 7) });
}
// NonResourceAttributes: path=1 verb=2.
const nonResourceAttributes = (f: Fields) => omitEmpty({ path: str(f, 1), verb: str(f, 2) });

// SubjectAccessReviewSpec: resourceAttributes=1 nonResourceAttributes=2 user=3 groups=4 extra=5 uid=6; the Self
// spec has the first two only; SelfSubjectRulesReviewSpec: namespace=1.
// authentication.k8s.io: TokenReviewSpec token=1 audiences=2; SelfSubjectReview has no spec.
function spec(kind: string, f: Fields): Record<string, unknown> {
  if (kind === 'SelfSubjectRulesReview') return omitEmpty({ namespace: str(f, 1) });
  if (kind === 'TokenReview') return omitEmpty({ token: str(f, 1), audiences: strs(f, 2) });
  if (kind === 'SelfSubjectReview') return {};
  const ra = sub(f, 1), nra = sub(f, 2);
  const out: Record<string, unknown> = { ...(ra ? { resourceAttributes: resourceAttributes(ra) } : {}), ...(nra ? { nonResourceAttributes: nonResourceAttributes(nra) } : {}) };
  if (kind === 'SelfSubjectAccessReview') return out;
  const extra: Record<string, string[]> = {};
  for (const e of f.filter((x) => x.num === 5 && x.bytes)) {
    const kv = readFields(e.bytes!);
    extra[str(kv, 1)] = strs(sub(kv, 2) ?? [], 1);
  }
  return omitEmpty({ ...out, user: str(f, 3), groups: strs(f, 4), uid: str(f, 6), extra: Object.keys(extra).length ? extra : undefined });
}

export function decodeReviewProtobuf(body: Uint8Array): { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  if (body.length < 4 || !protobufMagic.every((b, i) => body[i] === b)) throw new ProtobufError('missing the k8s protobuf prefix');
  const unknown = readFields(body.subarray(4));
  const typeMeta = sub(unknown, 1) ?? [];
  const apiVersion = str(typeMeta, 1), kind = str(typeMeta, 2);
  const raw = readFields(unknown.find((f) => f.num === 2)?.bytes ?? new Uint8Array());
  // ObjectMeta=1 (name=1, namespace=3: all a review's metadata can say), spec=2.
  const meta = sub(raw, 1) ?? [];
  return { apiVersion, kind, metadata: omitEmpty({ name: str(meta, 1), namespace: str(meta, 3) }), spec: spec(kind, sub(raw, 2) ?? []) };
}
