// The reader's map of the book: which chapters are written (book.config.ts `chapters`) and which are planned
// (`plannedChapters`), and the README and chapter 0 saying so without promising a chapter that is not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import chapters, { plannedChapters } from '../../book.config.ts';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import { chapterFileName, chapterPath } from '../../src/workbook/book/chapters.ts';

test('written and planned chapters are one numbering: 0..N, no number or slug twice, planned after written', () => {
  const all = [...chapters, ...plannedChapters];
  assert.deepEqual(all.map((c) => c.number), all.map((_, i) => i));
  assert.equal(new Set(all.map((c) => c.slug)).size, all.length);
  for (const p of plannedChapters) {
    assert.equal(existsSync(join(repoRoot, chapterPath(p))), false, `${chapterPath(p)} exists: move chapter ${p.number} to chapters`);
  }
});

test('the README lists every written chapter with a link, and every planned one as planned', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  for (const c of chapters) assert.ok(readme.includes(`[${c.title}](chapters/${chapterFileName(c)})`), `README lacks a link to chapter ${c.number}`);
  const planned = /^Planned, not written yet[\s\S]*?\n\n/m.exec(readme)?.[0];
  assert.ok(planned, 'README has no "Planned, not written yet" paragraph');
  for (const p of plannedChapters) assert.ok(planned.replace(/\s+/g, ' ').includes(`${p.number}. ${p.title}`), `README does not name chapter ${p.number} (${p.title}) as planned`);
});

test('chapter 0 says where the book stops and names the planned chapters as planned', () => {
  const map = readFileSync(join(repoRoot, chapterPath(chapters[0]!)), 'utf8');
  const last = chapters[chapters.length - 1]!;
  assert.match(map, new RegExp(`The book is written up to chapter ${last.number}\\. The chapters after it are planned, not written yet`));
  // Chapter 0 links only chapters that exist.
  for (const [, file] of map.matchAll(/\]\((\d\d-[a-z-]+\.md)[)#]/g)) {
    assert.ok(chapters.some((c) => chapterFileName(c) === file), `chapter 0 links ${file}, which is not written`);
  }
});
