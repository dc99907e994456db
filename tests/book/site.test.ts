// npm run book: every written chapter becomes a page, links between pages resolve, code is highlighted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chapters from '../../book.config.ts';
import { buildSite, repoRoot } from '../../scripts/book-build.ts';
import { chapterFileName, chapterPath } from '../../src/workbook/book/chapters.ts';

function tmp(t: { after: (fn: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Every relative link of every page points at a page that exists, and every #anchor at an id on it.
function brokenLinks(outDir: string, pages: string[]): string[] {
  const broken: string[] = [];
  const ids = (page: string) => new Set([...readFileSync(join(outDir, page), 'utf8').matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]!));
  for (const page of pages) {
    const html = readFileSync(join(outDir, page), 'utf8');
    for (const [, href] of html.matchAll(/\bhref="([^"]+)"/g)) {
      if (/^[a-z]+:/i.test(href!) || href!.startsWith('assets/')) continue;
      const [file, anchor] = href!.split('#');
      const target = file || page;
      if (!existsSync(join(outDir, target))) { broken.push(`${page}: ${href} (no such page)`); continue; }
      if (anchor && !ids(target).has(anchor)) broken.push(`${page}: ${href} (no such anchor)`);
    }
  }
  return broken;
}

test('the real book: a page per written chapter, links resolve, code is highlighted', (t) => {
  const out = tmp(t, 'ike-site-');
  const site = buildSite(out);
  const written = chapters.filter((c) => existsSync(join(repoRoot, chapterPath(c))));
  assert.ok(written.length > 0, 'no chapter is written yet');
  for (const c of written) {
    const page = chapterFileName(c).replace(/\.md$/, '.html');
    assert.ok(site.pages.includes(page), `${page} was not built`);
    const html = readFileSync(join(out, page), 'utf8');
    assert.match(html, /<nav aria-label="Chapters">/);
    assert.match(html, new RegExp(`<li class="current" aria-current="page"><a href="${page}">`));
    if (/^```(ts|console|sh|json|yaml)\b/m.test(readFileSync(join(repoRoot, chapterPath(c)), 'utf8'))) {
      assert.match(html, /<span class="hljs-/, `${page}: code blocks are not highlighted`);
    }
  }
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  for (const c of chapters) assert.ok(index.includes(c.title.replace(/&/g, '&amp;')), `index lacks ${c.title}`);
  assert.deepEqual(brokenLinks(out, site.pages), []);
  assert.ok(existsSync(join(out, 'assets/style.css')) && existsSync(join(out, 'assets/hljs.css')));
});

test('a small book: chapter links become page links, prev/next chain the pages, diagrams and listings render', (t) => {
  const root = tmp(t, 'ike-site-src-');
  const out = tmp(t, 'ike-site-out-');
  const [a, b] = [...chapters].sort((x, y) => x.number - y.number);
  mkdirSync(join(root, 'chapters'));
  writeFileSync(join(root, chapterPath(a!)), `# First\n\nGo to [the next one](${chapterFileName(b!)}#second-part).\n\n\`\`\`mermaid\nflowchart LR\n  a --> b\n\`\`\`\n\n<!-- listing: src/x.ts#y -->\n\`\`\`ts\nconst x: number = 1;\n\`\`\`\n`);
  const [, , c] = [...chapters].sort((x, y) => x.number - y.number);
  writeFileSync(join(root, chapterPath(b!)), `# Second\n\n## Second part\n\nLater: [the third](${chapterFileName(c!)}).\n\n\`\`\`console\n$ kubectl get po\nNo resources found in default namespace.\n\`\`\`\n`);
  const site = buildSite(out, root);
  const first = readFileSync(join(out, site.pages[1]!), 'utf8');
  const second = readFileSync(join(out, site.pages[2]!), 'utf8');
  assert.ok(first.includes(`href="${chapterFileName(b!).replace('.md', '.html')}#second-part"`));
  assert.match(first, /<pre class="mermaid">flowchart LR\n {2}a --&gt; b\n<\/pre>/);
  assert.match(first, /<p class="listing-source"><code>src\/x\.ts<\/code> <span class="region">y<\/span><\/p>/);
  assert.match(first, /<span class="hljs-keyword">const<\/span>/);
  assert.match(first, /rel="next"/);
  assert.doesNotMatch(first, /rel="prev"/);
  assert.match(second, /rel="prev"/);
  assert.match(second, /<span class="badge">run it<\/span>/);
  assert.match(second, /<a class="unwritten" title="this chapter is not written yet">the third<\/a>/, 'a link to an unwritten chapter is kept as text');
  assert.deepEqual(brokenLinks(out, site.pages), []);
});

test('a rebuild refuses to empty a folder it did not create', (t) => {
  const out = tmp(t, 'ike-site-foreign-');
  writeFileSync(join(out, 'precious.txt'), 'keep me');
  assert.throws(() => buildSite(out), /not built by npm run book/);
  assert.equal(readFileSync(join(out, 'precious.txt'), 'utf8'), 'keep me');
});
