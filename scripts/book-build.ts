// npm run book [-- --out=DIR]: renders chapters/*.md, in book.config.ts order, to a static website (default site/).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chapters from '../book.config.ts';
import { chapterFileName, chapterPath } from '../src/workbook/book/chapters.ts';
import { renderMarkdown, escapeHtml } from '../src/workbook/book/render.ts';
import { renderIndex, renderPage, type NavEntry } from '../src/workbook/book/page.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BOOK_TITLE = 'Inside kubectl exec';
const MARKER = '.book-site'; // only a folder holding this is ever emptied by a rebuild

export interface BuiltSite { outDir: string; pages: string[]; mermaid: boolean }

function prepareOut(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!existsSync(join(outDir, MARKER))) throw new Error(`${outDir} is not empty and was not built by npm run book; refusing to overwrite it`);
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  writeFileSync(join(outDir, MARKER), 'built by scripts/book-build.ts\n');
}

// root: where chapters/ is read from (tests pass a temporary one); assets always come from this repository.
export function buildSite(outDir: string, root = repoRoot): BuiltSite {
  prepareOut(outDir);
  const mermaidJs = join(repoRoot, 'node_modules/mermaid/dist/mermaid.min.js');
  const mermaid = existsSync(mermaidJs);
  if (mermaid) copyFileSync(mermaidJs, join(outDir, 'assets/mermaid.min.js'));
  copyFileSync(join(repoRoot, 'node_modules/highlight.js/styles/github.css'), join(outDir, 'assets/hljs.css'));
  copyFileSync(join(repoRoot, 'src/workbook/book/site.css'), join(outDir, 'assets/style.css'));

  const ordered = [...chapters].sort((a, b) => a.number - b.number);
  const entries: NavEntry[] = ordered.map((c) => ({
    number: c.number, slug: c.slug, title: c.title, question: c.question,
    ...(existsSync(join(root, chapterPath(c))) ? { href: chapterFileName(c).replace(/\.md$/, '.html') } : {}),
  }));
  const written = new Set(entries.flatMap((e) => (e.href ? [e.href] : [])));
  const pages: string[] = [];
  for (const [i, c] of ordered.entries()) {
    const href = entries[i]!.href;
    if (!href) continue;
    const r = renderMarkdown(readFileSync(join(root, chapterPath(c)), 'utf8'), { pageExists: (p) => written.has(p) });
    writeFileSync(join(outDir, href), renderPage({ bookTitle: BOOK_TITLE, entries, current: c.slug, title: r.title || c.title, body: r.html, headings: r.headings, mermaid }));
    pages.push(href);
  }
  const intro = `<p>A runnable workbook: each chapter builds one hop of <code>kubectl exec</code> in TypeScript and ends at a checkpoint, a whole system of real processes that the real <code>kubectl</code> can use. Start with <a href="${entries.find((e) => e.href)?.href ?? '#'}">${escapeHtml(entries.find((e) => e.href)?.title ?? 'the first chapter')}</a>.</p>`;
  writeFileSync(join(outDir, 'index.html'), renderIndex(BOOK_TITLE, intro, entries, mermaid));
  pages.unshift('index.html');
  return { outDir, pages, mermaid };
}

function main(argv: string[]): number {
  let out = join(repoRoot, 'site');
  for (const a of argv) {
    if (a.startsWith('--out=')) out = resolve(a.slice('--out='.length));
    else { console.error(`book: unknown argument ${a} (usage: npm run book [-- --out=DIR])`); return 2; }
  }
  const site = buildSite(out);
  console.log(`book: ${site.pages.length} pages in ${site.outDir}${site.mermaid ? '' : ' (Mermaid not installed: diagrams are shown as source)'}`);
  console.log(`open ${pathToFileURL(join(site.outDir, 'index.html')).href}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try { process.exitCode = main(process.argv.slice(2)); } catch (err) { console.error(`book: ${(err as Error).message}`); process.exitCode = 1; }
}
