// Reads the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) far enough to recover kind and ObjectMeta
// (k8s.io/apimachinery/pkg/runtime/serializer/protobuf, k8s.io/api/core/v1/generated.proto). Pure: bytes in, object out.
// kubectl's typed commands (`kubectl create namespace`) POST protobuf; the metadata is all such a body carries for us.
import type { ObjectMeta } from './types.ts';

export const protobufMagic = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export class ProtobufError extends Error {
  constructor(message: string) { super(message); this.name = 'ProtobufError'; }
}

interface Field { num: number; wire: number; varint?: bigint; bytes?: Uint8Array }

// Splits one message into its fields (any order, unknown ones included), checking every length against the buffer.
export function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw new ProtobufError('truncated varint');
      if (shift > 63n) throw new ProtobufError('varint too long');
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (num === 0) throw new ProtobufError('field number 0');
    if (wire === 0) out.push({ num, wire, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new ProtobufError(`field ${num}: length ${len} past the end`);
      out.push({ num, wire, bytes: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (i + n > buf.length) throw new ProtobufError(`field ${num}: truncated fixed${n * 8}`);
      i += n;
      out.push({ num, wire });
    } else throw new ProtobufError(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (b?: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b ?? new Uint8Array());

export function readMap(fields: Field[], num: number): Record<string, string> | undefined {
  const entries = fields.filter((f) => f.num === num && f.bytes);
  if (!entries.length) return undefined;
  const map: Record<string, string> = {};
  for (const e of entries) {
    const kv = readFields(e.bytes!);
    map[text(kv.find((f) => f.num === 1)?.bytes)] = text(kv.find((f) => f.num === 2)?.bytes);
  }
  return map;
}

// ObjectMeta: name=1, generateName=2, namespace=3, resourceVersion=6, labels=11, annotations=12.
export function readObjectMeta(buf: Uint8Array): ObjectMeta {
  const f = readFields(buf);
  const str = (n: number) => { const v = text(f.find((x) => x.num === n)?.bytes); return v === '' ? undefined : v; };
  const meta: ObjectMeta = {};
  const set = <K extends keyof ObjectMeta>(k: K, v: ObjectMeta[K] | undefined) => { if (v !== undefined) meta[k] = v; };
  set('name', str(1));
  set('generateName', str(2));
  set('namespace', str(3));
  set('resourceVersion', str(6));
  set('labels', readMap(f, 11));
  set('annotations', readMap(f, 12));
  return meta;
}

export interface DecodedObject { apiVersion: string; kind: string; metadata: ObjectMeta }

// The envelope: runtime.Unknown { typeMeta=1 { apiVersion=1, kind=2 }, raw=2 (the object's own message) }.
export function unwrapEnvelope(body: Uint8Array): { apiVersion: string; kind: string; raw: Uint8Array } {
  if (body.length < 4 || !protobufMagic.every((b, i) => body[i] === b)) throw new ProtobufError('missing the k8s protobuf prefix');
  const unknown = readFields(body.subarray(4));
  const typeMeta = readFields(unknown.find((f) => f.num === 1)?.bytes ?? new Uint8Array());
  const apiVersion = text(typeMeta.find((f) => f.num === 1)?.bytes);
  const kind = text(typeMeta.find((f) => f.num === 2)?.bytes);
  return { apiVersion, kind, raw: unknown.find((f) => f.num === 2)?.bytes ?? new Uint8Array() };
}

export function decodeProtobufObject(body: Uint8Array): DecodedObject {
  const { apiVersion, kind, raw } = unwrapEnvelope(body);
  // Every top-level object keeps its ObjectMeta in field 1.
  const metaBytes = readFields(raw).find((f) => f.num === 1)?.bytes;
  return { apiVersion, kind, metadata: metaBytes ? readObjectMeta(metaBytes) : {} };
}
