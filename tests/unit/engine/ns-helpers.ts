// Shared by the namespaces backend tests: a backend over a temporary engine folder, catalog images, container
// specs, and reading a process's output whole.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerBackend, ContainerSpec, ProcessSpec } from '../../../src/engine/backend.ts';
import type { EngineImage } from '../../../src/engine/image-store.ts';
import { createImageStore } from '../../../src/engine/images/store.ts';
import { createNamespaceBackend } from '../../../src/engine/linux/backend.ts';
import { namespaceSupport } from '../../../src/engine/linux/support.ts';
import { cgroupLayout } from '../../../src/engine/linux/cgroups.ts';

const support = namespaceSupport();
export const skipNamespaces: false | string = support.ok ? false
  : `real containers cannot be made here (${support.reason}); CI runs these as root`;

export interface Engine { root: string; backend: ContainerBackend; image(name: string): Promise<EngineImage> }

export function engine(t: { after(fn: () => unknown): void }): Engine {
  const root = mkdtempSync(join(tmpdir(), 'ns-engine-'));
  const backend = createNamespaceBackend({ root });
  const store = createImageStore();   // the shared cache: built once for all tests
  t.after(async () => { await backend.close(); rmSync(root, { recursive: true, force: true }); });
  return { root, backend, image: (name) => store.pull(name) };
}

export function containerSpec(e: Engine, image: EngineImage, over: Partial<ContainerSpec> = {}): ContainerSpec {
  const id = randomBytes(32).toString('hex');
  return {
    id, name: `c-${id.slice(0, 6)}`, hostname: `host-${id.slice(0, 6)}`, dir: join(e.root, 'containers', id),
    image: { id: image.id, rootfs: image.rootfs }, argv: [...(image.config.Entrypoint ?? []), ...(image.config.Cmd ?? [])],
    env: image.config.Env, workingDir: image.config.WorkingDir, user: image.config.User, tty: false, stdin: false, limits: {},
    ...over,
  };
}

export function processSpec(argv: string[], over: Partial<ProcessSpec> = {}): ProcessSpec {
  return { argv, env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], workingDir: '', user: '', tty: false, stdin: false, ...over };
}

export function collect(s: Readable | undefined): Promise<string> {
  if (!s) return Promise.resolve('');
  let out = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => { out += d; });
  return new Promise((resolve) => s.on('close', () => resolve(out)));
}

// The cgroup folders a container would have, and whether any is still there.
export function cgroupDirs(id: string): string[] {
  const l = cgroupLayout();
  return [l.memory?.dir, l.pids?.dir, l.unified?.dir].filter((d): d is string => !!d).map((d) => join(d, id));
}
export const anyExists = (paths: string[]) => paths.filter((p) => existsSync(p));

// Host processes whose command line names this text (a container's folder, its init's argv).
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try { if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) pids.push(Number(pid)); } catch { /* gone */ }
  }
  return pids.filter((p) => p !== process.pid);
}
