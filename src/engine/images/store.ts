// The engine's image store: which catalog images this engine has pulled, under which names (moby's image service
// and its reference store, `repositories.json`), over the shared cache of built root filesystems.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageNotFoundError, type EngineImage, type ImageStore } from '../image-store.ts';
import { recipeFor, type ImageRecipe } from './catalog.ts';
import { defaultCacheDir, ensureBuilt, readBuilt, type BuiltImage } from './cache.ts';
import { familiarName, familiarString, parseNormalizedNamed, repositoryName, withDefaultTag, type Reference } from './reference.ts';

export interface ImageStoreOptions {
  root?: string;        // the engine's folder: pulled names are kept in <root>/repositories.json across restarts
  cacheDir?: string;    // where built images are kept (defaultCacheDir())
}

// A name this engine knows, "nginx:latest" or "nginx@sha256:…" (familiar form, as repositories.json has them).
interface Named { ref: Reference; image: BuiltImage }

export function createImageStore(opts: ImageStoreOptions = {}): ImageStore {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const file = opts.root ? join(opts.root, 'repositories.json') : undefined;
  const names = new Map<string, Named>();   // familiar string → image

  const toEngineImage = (image: BuiltImage): EngineImage => {
    const refs = [...names.values()].filter((n) => n.image.id === image.id).map((n) => n.ref);
    const repos = [...new Set(refs.map(familiarName))];
    const c = (image.config as { config: EngineImage['config'] & { Env: string[] } }).config;
    return {
      id: image.id,
      repoTags: refs.filter((r) => r.tag !== undefined).map(familiarString),
      repoDigests: repos.map((r) => `${r}@${image.manifestDigest}`),
      created: image.created,
      size: image.size,
      config: { Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, WorkingDir: c.WorkingDir, User: c.User, ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}) },
      rootfs: image.rootfs,
    };
  };

  const images = (): BuiltImage[] => [...new Map([...names.values()].map((n) => [n.image.id, n.image])).values()];

  const save = () => {
    if (!file) return;
    const repositories: Record<string, Record<string, string>> = {};
    for (const [name, n] of names) (repositories[familiarName(n.ref)] ??= {})[name] = n.image.id;
    mkdirSync(opts.root!, { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify({ Repositories: repositories }, null, 2));
    renameSync(`${file}.tmp`, file);
  };

  // Names pulled by an earlier run of this engine, for images still in the cache (a wiped cache forgets them,
  // as a wiped /var/lib/docker would).
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { Repositories?: Record<string, Record<string, string>> };
    for (const byName of Object.values(saved.Repositories ?? {})) {
      for (const name of Object.keys(byName)) {
        try {
          const ref = parseNormalizedNamed(name);
          const recipe = recipeFor(repositoryName(ref));
          const image = recipe && readBuilt(cacheDir, recipe);
          if (image) names.set(familiarString(ref), { ref, image });
        } catch { /* a name this catalog no longer has */ }
      }
    }
  }

  const byId = (id: string): BuiltImage | undefined => {
    const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
    if (!/^[a-f0-9]{1,64}$/.test(hex)) return undefined;
    const found = images().filter((i) => i.id.slice('sha256:'.length).startsWith(hex));
    return found.length === 1 ? found[0] : undefined;   // an ambiguous short ID names nothing
  };

  const byName = (ref: string): BuiltImage | undefined => {
    let r: Reference;
    try { r = withDefaultTag(parseNormalizedNamed(ref)); } catch { return undefined; }
    if (r.digest) {
      return images().find((i) => i.manifestDigest === r.digest
        && [...names.values()].some((n) => n.image.id === i.id && repositoryName(n.ref) === repositoryName(r)));
    }
    return names.get(familiarString(r))?.image;
  };

  return {
    list: () => images().map(toEngineImage),

    // A full ID, then a name, then a short ID, as the daemon's GetImage tries them.
    get(ref) {
      const image = (/^(sha256:)?[a-f0-9]{64}$/.test(ref) ? byId(ref) : undefined) ?? byName(ref) ?? byId(ref);
      return image && toEngineImage(image);
    },

    async pull(ref) {
      const r = withDefaultTag(parseNormalizedNamed(ref));
      const recipe: ImageRecipe | undefined = recipeFor(repositoryName(r));
      if (!recipe) {
        // What Docker Hub answers for a repository it does not have (or will not show): moby's notFoundError wording.
        throw new ImageNotFoundError(`pull access denied for ${familiarName(r)}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`);
      }
      const image = await ensureBuilt(cacheDir, recipe);
      if (r.digest && r.digest !== image.manifestDigest) {
        throw new ImageNotFoundError(`manifest for ${familiarString(r)} not found: manifest unknown: manifest unknown`);
      }
      // A pull by digest records the repository by digest only; by tag, the tag (any tag: the catalog has one build).
      const named = r.digest ? { ...r, tag: undefined } : r;
      names.set(familiarString(named), { ref: named, image });
      save();
      return toEngineImage(image);
    },

    // `docker rmi`: a name untags; an ID removes every name of that image.
    remove(ref) {
      const image = this.get(ref);
      if (!image) return;
      const isName = byName(ref) !== undefined;
      for (const [name, n] of names) {
        if (n.image.id !== image.id) continue;
        if (!isName || name === familiarString(withDefaultTag(parseNormalizedNamed(ref)))) names.delete(name);
      }
      save();
    },
  };
}
