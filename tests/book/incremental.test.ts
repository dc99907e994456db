// The incremental invariant: checkpoint N runs only code that chapters 0..N introduce (book.config.ts `files`),
// found by walking the static import graph from its component entries. Also: the book's chapter files and numbering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import chapters from '../../book.config.ts';
import { repoRoot } from '../../scripts/book-sync.ts';
import { walkImports } from '../../src/workbook/book/imports.ts';
import { chapterPath } from '../../src/workbook/book/chapters.ts';

const read = (p: string) => { const f = join(repoRoot, p); return existsSync(f) ? readFileSync(f, 'utf8') : undefined; };

test('every chapter has its chapters/NN-slug.md, numbered 0, 1, 2… with unique slugs', () => {
  chapters.forEach((c, i) => assert.equal(c.number, i, `chapter "${c.slug}" is number ${c.number}, expected ${i}`));
  assert.equal(new Set(chapters.map((c) => c.slug)).size, chapters.length, 'slugs are not unique');
  const missing = chapters.map(chapterPath).filter((p) => !existsSync(join(repoRoot, p)));
  assert.deepEqual(missing, [], 'chapters listed in book.config.ts without their Markdown');
});

test('every chapter\'s step script (npm run steps) exists', () => {
  const missing = chapters.map((c) => c.steps ?? `scripts/steps/${c.slug}.ts`).filter((p) => !existsSync(join(repoRoot, p)));
  assert.deepEqual(missing, []);
});

test('every file a chapter lists exists, under src/, and is listed by one chapter only', () => {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const c of chapters) {
    for (const f of c.files) {
      if (!f.startsWith('src/')) problems.push(`${c.slug}: ${f} is not under src/`);
      if (!existsSync(join(repoRoot, f))) problems.push(`${c.slug}: ${f} does not exist`);
      const prev = owner.get(f);
      if (prev) problems.push(`${f} is listed by both ${prev} and ${c.slug}`);
      owner.set(f, c.slug);
    }
  }
  assert.deepEqual(problems, []);
});

for (const chapter of chapters) {
  if ('same' in chapter.checkpoint) continue;
  const components = chapter.checkpoint.components;
  test(`checkpoint ${chapter.number} (${chapter.slug}) imports only files of chapters 0..${chapter.number}`, () => {
    const allowed = new Set(chapters.filter((c) => c.number <= chapter.number).flatMap((c) => c.files));
    const entries = components.map((c) => c.entry);
    const absent = entries.filter((e) => read(e) === undefined);
    assert.deepEqual(absent, [], 'component entries that do not exist');
    const graph = walkImports(entries, read);
    assert.deepEqual(graph.missing.map((m) => `${m.from} imports ${m.to}, which does not exist`), []);
    const outside = graph.files.filter((f) => f.startsWith('src/') && !allowed.has(f))
      .map((f) => {
        const later = chapters.find((c) => c.files.includes(f));
        return later ? `${f} (introduced by chapter ${later.number}, ${later.slug})` : `${f} (listed by no chapter)`;
      });
    assert.deepEqual(outside, [], `checkpoint ${chapter.slug} reaches files its reader has not met yet; list them in book.config.ts or remove the import`);
  });
}
