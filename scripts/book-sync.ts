// npm run book:sync rewrites every chapter listing from its region in src/; --check (npm run book:check) only
// reports drift, missing files or regions, unused regions and unsynced ts blocks, and exits 1 if there are any.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { syncBook, type BookFiles } from '../src/workbook/book/book.ts';
import { formatProblem } from '../src/workbook/book/listings.ts';
import bookChapters from '../book.config.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Files whose comments may carry `// #region` markers.
const SOURCE = /\.(ts|proto|mjs|js)$/;

function walk(dir: string, root: string, out: string[]): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules') walk(p, root, out); } else if (SOURCE.test(e.name)) out.push(relative(root, p));
  }
  return out;
}

export function loadBook(root = repoRoot): BookFiles {
  const chaptersDir = join(root, 'chapters');
  const chapters = existsSync(chaptersDir)
    ? readdirSync(chaptersDir).filter((f) => f.endsWith('.md')).sort().map((f) => ({ file: `chapters/${f}`, text: readFileSync(join(chaptersDir, f), 'utf8') }))
    : [];
  const sources = new Map(walk(join(root, 'src'), root, []).sort().map((f) => [f, readFileSync(join(root, f), 'utf8')] as const));
  // This repository's written chapters own their files' regions; a file no written chapter lists waits for a planned one.
  const written = root === repoRoot ? new Set(bookChapters.flatMap((c) => c.files)) : undefined;
  return { chapters, sources, written };
}

// Sync (or, with check, only verify) the book under root; lines go to out/err. Returns the exit code.
export function runSync(root: string, check: boolean, out: (l: string) => void = console.log, err: (l: string) => void = console.error): number {
  const { problems, synced } = syncBook(loadBook(root));
  const remaining = check ? problems : problems.filter((p) => p.kind !== 'drift');
  if (!check) {
    for (const s of synced) { writeFileSync(join(root, s.file), s.text); out(`synced ${s.file}`); }
    if (!synced.length) out('book:sync: every listing already matches its source');
  }
  for (const p of remaining) err(formatProblem(p));
  if (remaining.length) {
    err(`\nbook:${check ? 'check' : 'sync'}: ${remaining.length} problem(s)${check && synced.length ? '; npm run book:sync fixes the drift' : ''}`);
    return 1;
  }
  if (check) out('book:check: every listing matches its source; every region is shown');
  return 0;
}

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length) { console.error(`book-sync: unknown argument ${unknown.join(' ')} (usage: book-sync.ts [--check])`); return 2; }
  return runSync(repoRoot, argv.includes('--check'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2));
