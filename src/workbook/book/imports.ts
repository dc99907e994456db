// The static import graph of our TypeScript: `import … from`, `export … from`, side-effect `import '…'` and
// `import('…')` with a literal string. Pure: the caller supplies the file reader. (Ours: the incremental invariant.)
import { posix } from 'node:path';

// Comments removed first so a commented-out import does not count; `//` right after ':' is a URL, not a comment.
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1');
}

const FROM = /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(['"])([^'"\n]+)\1/g;
const BARE = /\bimport\s*(['"])([^'"\n]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

export function parseImports(source: string): string[] {
  const text = stripComments(source);
  const found = new Set<string>();
  for (const re of [FROM, BARE, DYNAMIC]) for (const m of text.matchAll(re)) found.add(m[2]!);
  return [...found];
}

export interface ImportEdge { from: string; to: string }

export interface ImportGraph {
  files: string[];                 // every file reached, entries included, repo-relative, sorted
  missing: ImportEdge[];           // relative imports that point at no file
}

// Walks relative imports from the entries (repo-relative paths); bare specifiers (packages, node:) are leaves.
export function walkImports(entries: string[], read: (path: string) => string | undefined): ImportGraph {
  const seen = new Set<string>();
  const missing: ImportEdge[] = [];
  const queue = [...entries.map((e) => posix.normalize(e))];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    const source = read(file);
    if (source === undefined) continue; // an entry that does not exist is reported by the caller
    seen.add(file);
    for (const spec of parseImports(source)) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (read(target) === undefined) { missing.push({ from: file, to: target }); continue; }
      if (!seen.has(target)) queue.push(target);
    }
  }
  return { files: [...seen].sort(), missing };
}
