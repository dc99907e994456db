// Transpiles a checkpoint's component entries once, ahead of their start: each becomes one JavaScript file (esbuild,
// the compiler tsx itself uses), so a component process loads plain JavaScript instead of paying for the tsx loader
// and a TypeScript module graph at every start. Reused while no source file it was built from has changed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Under the repository (not the state folder): the built files import packages from its node_modules.
export function buildRoot(repoRoot: string): string { return join(repoRoot, '.run', '.build'); }

interface Recorded { inputs: string[] }   // repository-relative sources of the last build for these entries

// A build's name is a hash of what it was built from (every input's path, size and modification time), so two
// starts at once with the same sources agree on it, and an edited source makes a new one.
function fingerprint(repoRoot: string, entries: string[], inputs: string[]): string | undefined {
  const h = createHash('sha256').update(entries.join('\n'));
  for (const f of inputs) {
    try { const s = statSync(join(repoRoot, f)); h.update(`\n${f} ${s.size} ${s.mtimeMs}`); } catch { return undefined; }
  }
  return h.digest('hex').slice(0, 16);
}

// Builds from sources edited more than a day ago: a checkpoint started before that is long gone (or restarts
// its components from files it already read); anything younger stays.
function prune(root: string, keep: string): void {
  const old = Date.now() - 24 * 3600_000;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === keep) continue;
    try { if (statSync(join(root, e.name)).mtimeMs < old) rmSync(join(root, e.name), { recursive: true, force: true }); } catch { /* gone */ }
  }
}

// The JavaScript file for each entry (repository-relative .ts path → absolute .js path), building them if needed.
export async function prebuild(repoRoot: string, entries: string[]): Promise<Map<string, string>> {
  const root = buildRoot(repoRoot);
  const key = createHash('sha256').update(entries.join('\n')).digest('hex').slice(0, 12);
  const record = join(root, `${key}.json`);
  let recorded: Recorded | undefined;
  try { recorded = JSON.parse(readFileSync(record, 'utf8')) as Recorded; } catch { /* never built */ }
  const outputs = (dir: string) => new Map(entries.map((e) => [e, join(dir, relative('src', e).replace(/\.ts$/, '.js'))]));

  const known = recorded && fingerprint(repoRoot, entries, recorded.inputs);
  if (known && existsSync(join(root, known, 'complete'))) return outputs(join(root, known));

  const { build } = await import('esbuild');
  const tmp = join(root, `tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await build({
      absWorkingDir: repoRoot,
      entryPoints: entries,
      outbase: 'src',
      outdir: tmp,
      bundle: true,
      packages: 'external',          // ws, grpc-js, node-pty...: loaded from node_modules, as before
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',           // stack traces name the .ts files (node --enable-source-maps)
      metafile: true,
      logLevel: 'silent',
      plugins: [{
        // A module that finds files beside itself (cri/proto.ts: api.proto) keeps its own location once bundled.
        name: 'keep-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, (args) => ({
            contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      }],
    });
    const inputs = Object.keys(result.metafile.inputs).map((f) => relative(repoRoot, resolve(repoRoot, f))).sort();
    const name = fingerprint(repoRoot, entries, inputs);
    if (!name) throw new Error('a source file changed while it was built');
    writeFileSync(join(tmp, 'complete'), '');
    const dir = join(root, name);
    try { renameSync(tmp, dir); } catch { /* built meanwhile by another start: the same sources, the same files */ }
    prune(root, name);
    const recordTmp = `${record}.${process.pid}.tmp`;
    writeFileSync(recordTmp, JSON.stringify({ inputs } satisfies Recorded));
    renameSync(recordTmp, record);
    return outputs(dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
