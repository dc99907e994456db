// How dockershim names and labels its engine containers, and reads CRI metadata back from them
// (cri-dockerd core/naming.go makeSandboxName/makeContainerName, core/helpers.go makeLabels/extractLabels).
import type { ContainerConfig, PodSandboxConfig, StringMap } from '../cri/proto.ts';

// Docker keeps no CRI metadata: the name carries it, and the engine refuses a second container with the same
// name, which makes RunPodSandbox and CreateContainer idempotent as the CRI requires.
const KUBE_PREFIX = 'k8s';
export const SANDBOX_CONTAINER_NAME = 'POD';     // what `docker ps` shows for a pod's infra (pause) container

// Labels dockershim adds on the engine's containers (and hides again from the CRI's labels).
export const CONTAINER_TYPE_LABEL = 'io.kubernetes.docker.type';
export const CONTAINER_TYPE_SANDBOX = 'podsandbox';
export const CONTAINER_TYPE_CONTAINER = 'container';
export const CONTAINER_LOG_PATH_LABEL = 'io.kubernetes.container.logpath';
export const SANDBOX_ID_LABEL = 'io.kubernetes.sandbox.id';
export const KUBERNETES_CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
const INTERNAL_LABELS = new Set([CONTAINER_TYPE_LABEL, CONTAINER_LOG_PATH_LABEL, SANDBOX_ID_LABEL]);
// Docker has labels only: CRI annotations ride along under this prefix.
const ANNOTATION_PREFIX = 'annotation.';

// k8s_POD_<pod>_<namespace>_<uid>_<attempt>
export function makeSandboxName(c: PodSandboxConfig): string {
  const md = c.metadata!;
  return [KUBE_PREFIX, SANDBOX_CONTAINER_NAME, md.name, md.namespace, md.uid, String(md.attempt ?? 0)].join('_');
}

// k8s_<container>_<pod>_<namespace>_<uid>_<attempt>
export function makeContainerName(s: PodSandboxConfig, c: ContainerConfig): string {
  const md = s.metadata!;
  return [KUBE_PREFIX, c.metadata!.name, md.name, md.namespace, md.uid, String(c.metadata!.attempt ?? 0)].join('_');
}

function parts(name: string, what: string): string[] {
  const trimmed = name.replace(/^\//, '');   // the engine's names start with "/"
  const p = trimmed.split('_');
  // A seventh part is tolerated: the random suffix of a name that hit a conflict.
  if (p.length !== 6 && p.length !== 7) throw new Error(`failed to parse the ${what} name: "${trimmed}"`);
  if (p[0] !== KUBE_PREFIX) throw new Error(`container is not managed by kubernetes: "${trimmed}"`);
  if (!/^\d+$/.test(p[5]!)) throw new Error(`failed to parse the ${what} name "${trimmed}": bad attempt`);
  return p;
}

export function parseSandboxName(name: string): { name: string; namespace: string; uid: string; attempt: number } {
  const p = parts(name, 'sandbox');
  return { name: p[2]!, namespace: p[3]!, uid: p[4]!, attempt: Number(p[5]) };
}

export function parseContainerName(name: string): { name: string; attempt: number } {
  const p = parts(name, 'container');
  return { name: p[1]!, attempt: Number(p[5]) };
}

export function makeLabels(labels: StringMap | undefined, annotations: StringMap | undefined): StringMap {
  const out: StringMap = { ...labels };
  for (const [k, v] of Object.entries(annotations ?? {})) out[ANNOTATION_PREFIX + k] = v;
  return out;
}

export function extractLabels(all: StringMap | null | undefined): { labels: StringMap; annotations: StringMap } {
  const labels: StringMap = {};
  const annotations: StringMap = {};
  for (const [k, v] of Object.entries(all ?? {})) {
    if (INTERNAL_LABELS.has(k)) continue;
    if (k.startsWith(ANNOTATION_PREFIX)) annotations[k.slice(ANNOTATION_PREFIX.length)] = v;
    else labels[k] = v;
  }
  return { labels, annotations };
}

// The engine's RFC 3339 times (nanosecond fractions) as CRI nanoseconds; Go's zero time is 0.
export function rfc3339ToNanos(t: string | undefined): string {
  if (!t || t.startsWith('0001-01-01')) return '0';
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return '0';
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return '0';
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
  return (BigInt(seconds) * 1_000_000n + frac).toString();
}
