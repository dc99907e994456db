// The shim's local image catalog: an image here is a name and the process defaults it implies
// (the role of a registry plus an image config's Entrypoint/Cmd/Env/WorkingDir; chapter 6 brings real root filesystems).
import { createHash } from 'node:crypto';

export interface ImageConfig {
  // The process the image runs when the pod gives no command: Entrypoint + Cmd in OCI terms.
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workingDir: string;
  size: number;
}

// Long-running images run a sleep that never ends, as a stand-in for their daemon; shells exit at
// once when stdin is closed, as `kubectl run --image=busybox` does on a real cluster.
const forever = { entrypoint: ['sleep', 'infinity'], cmd: [] };
const shell = { entrypoint: [], cmd: ['sh'] };

const catalog: Record<string, ImageConfig> = {
  nginx: { ...forever, env: { NGINX_VERSION: '1.27.0' }, workingDir: '/', size: 67_000_000 },
  httpd: { ...forever, env: { HTTPD_PREFIX: '/usr/local/apache2' }, workingDir: '/usr/local/apache2', size: 58_000_000 },
  redis: { ...forever, env: { REDIS_VERSION: '7.2.5' }, workingDir: '/data', size: 45_000_000 },
  pause: { ...forever, env: {}, workingDir: '/', size: 300_000 },
  busybox: { ...shell, env: {}, workingDir: '/', size: 2_100_000 },
  alpine: { ...shell, env: {}, workingDir: '/', size: 3_600_000 },
  ubuntu: { entrypoint: [], cmd: ['bash'], env: {}, workingDir: '/', size: 29_000_000 },
  debian: { entrypoint: [], cmd: ['bash'], env: {}, workingDir: '/', size: 49_000_000 },
};

// ref is the repo tag (docker.io/library/busybox:latest); id the image ID, the digest of its config; repoDigest
// the name by manifest digest (docker.io/library/busybox@sha256:…), what containerd reports as a container's image_ref.
export interface ImageRef { name: string; tag: string; ref: string; id: string; repoDigest: string; config: ImageConfig }

// docker.io/library/nginx:1.27 → nginx, 1.27. Digests and other registries are refused: the catalog is local.
export function resolveImage(image: string): ImageRef | undefined {
  let rest = image.trim();
  for (const prefix of ['docker.io/library/', 'docker.io/', 'library/']) {
    if (rest.startsWith(prefix)) { rest = rest.slice(prefix.length); break; }
  }
  const m = /^([a-z0-9][a-z0-9._-]*)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$/.exec(rest);
  if (!m) return undefined;
  const name = m[1]!;
  const config = catalog[name];
  if (!config) return undefined;
  const tag = m[2] ?? 'latest';
  const digest = (what: string) => `sha256:${createHash('sha256').update(`${what}:${name}:${tag}`).digest('hex')}`;
  const id = digest('config');
  return { name, tag, ref: `docker.io/library/${name}:${tag}`, id, repoDigest: `docker.io/library/${name}@${digest('manifest')}`, config };
}

export function catalogNames(): string[] { return Object.keys(catalog); }
