// The image cache: each catalog image built once per machine into a folder outside git (`.run/images/` under the
// repository), atomically, so engines building the same image at the same time both end with one whole copy
// (the role of a registry download into /var/lib/docker's image and layer stores).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imagePath, type ImageRecipe } from './catalog.ts';
import { buildRootfs, digestTree, hostInputs, inputStamp } from './rootfs.ts';

// Bumped when the way images are built changes, so old cache folders are not reused.
const recipeVersion = 'workbook-images/3';

// What image.json records beside an image's rootfs/.
export interface BuiltImage {
  name: string;
  id: string;                       // sha256 of the config below: the image ID
  manifestDigest: string;           // what RepoDigests name
  created: number;                  // unix seconds
  size: number;
  config: Record<string, unknown>;  // the OCI image config, as `docker image inspect` and the registry have it
  rootfs: string;
}

// `.run/images/` of the repository this file belongs to (also from a bundle under `.run/.build/`), else the user's
// cache folder. WORKBOOK_IMAGE_CACHE overrides both.
export function defaultCacheDir(): string {
  if (process.env.WORKBOOK_IMAGE_CACHE) return resolve(process.env.WORKBOOK_IMAGE_CACHE);
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'book.config.ts')) && existsSync(join(dir, 'package.json'))) return join(dir, '.run', 'images');
  }
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'inside-kubectl-exec', 'images');
}

// The folder an image's build lands in: its name and a digest of everything it is made from.
export function cacheFolder(cacheDir: string, recipe: ImageRecipe): string {
  const key = createHash('sha256').update(JSON.stringify([recipeVersion, recipe, inputStamp(hostInputs(recipe))])).digest('hex');
  return join(cacheDir, `${recipe.name}-${key.slice(0, 16)}`);
}

// An image already in the cache, without building it (undefined when it is not there).
export function readBuilt(cacheDir: string, recipe: ImageRecipe): BuiltImage | undefined {
  const folder = cacheFolder(cacheDir, recipe);
  try {
    return { ...JSON.parse(readFileSync(join(folder, 'image.json'), 'utf8')), rootfs: join(folder, 'rootfs') } as BuiltImage;
  } catch { return undefined; }
}

const building = new Map<string, Promise<BuiltImage>>();

// The image, built first if no engine has built it yet. One build per folder in this process; across processes,
// the first rename wins and a later builder throws its copy away.
export function ensureBuilt(cacheDir: string, recipe: ImageRecipe): Promise<BuiltImage> {
  const folder = cacheFolder(cacheDir, recipe);
  const done = readBuilt(cacheDir, recipe);
  if (done) return Promise.resolve(done);
  let p = building.get(folder);
  if (!p) {
    p = build(cacheDir, recipe, folder).finally(() => building.delete(folder));
    building.set(folder, p);
  }
  return p;
}

async function build(cacheDir: string, recipe: ImageRecipe, folder: string): Promise<BuiltImage> {
  await mkdir(cacheDir, { recursive: true });
  removeAbandonedBuilds(cacheDir);
  const tmp = await mkdtemp(join(cacheDir, `.build-${recipe.name}-${process.pid}-`));
  try {
    await buildRootfs(recipe, join(tmp, 'rootfs'));
    const image = await describe(recipe, join(tmp, 'rootfs'));
    await writeFile(join(tmp, 'image.json'), JSON.stringify(image, null, 2));
    await chmod(tmp, 0o755);   // mkdtemp's 0700; an image is readable by all, as /var/lib/docker's layers are
    try {
      await rename(tmp, folder);
    } catch (err) {
      // Another engine finished first: its copy is as good as ours.
      if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await rm(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const built = readBuilt(cacheDir, recipe);
  if (!built) throw new Error(`image ${recipe.name}: built into ${folder}, but its image.json is not there`);
  return built;
}

// The OCI config and manifest of a built rootfs: the image ID is the digest of the config, whose rootfs.diff_ids
// name the layer's content, so the same files and defaults give the same ID on every build.
async function describe(recipe: ImageRecipe, rootfs: string): Promise<Omit<BuiltImage, 'rootfs'>> {
  const layer = await digestTree(rootfs);
  const created = Math.floor(Math.max(...hostInputs(recipe).map((f) => statSync(f).mtimeMs)) / 1000);
  const { Entrypoint, Cmd, Env, WorkingDir, User, StopSignal } = recipe.config;
  const config = {
    architecture: process.arch === 'x64' ? 'amd64' : process.arch, os: 'linux',
    created: new Date(created * 1000).toISOString(),
    config: { Env: [`PATH=${imagePath}`, ...Env], Entrypoint, Cmd, WorkingDir, User, ...(StopSignal ? { StopSignal } : {}) },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  };
  const configJSON = JSON.stringify(config);
  const id = `sha256:${createHash('sha256').update(configJSON).digest('hex')}`;
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: id, size: Buffer.byteLength(configJSON) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
  });
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  return { name: recipe.name, id, manifestDigest, created, size: layer.size, config };
}

// Temporary folders of builders that died (their pid is in the name) are removed; a live builder's are left alone.
function removeAbandonedBuilds(cacheDir: string): void {
  for (const name of readdirSync(cacheDir)) {
    const m = /^\.build-.+-(\d+)-[^-]+$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !alive(pid)) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}
