// Where a chapter's Markdown lives and which chapter's checkpoint it runs: chapters/NN-slug.md, `{ same }` followed.
import type { Chapter } from '../types.ts';

export function chapterFileName(chapter: Pick<Chapter, 'number' | 'slug'>): string {
  return `${String(chapter.number).padStart(2, '0')}-${chapter.slug}.md`;
}

export function chapterPath(chapter: Pick<Chapter, 'number' | 'slug'>): string {
  return `chapters/${chapterFileName(chapter)}`;
}

// The chapter whose checkpoint `chapter` runs (itself unless it says `{ same: slug }`); undefined when that
// chapter is not in the book yet (chapter 0 runs the last chapter's checkpoint, which arrives later).
export function checkpointOwner(chapter: Chapter, all: readonly Chapter[]): Chapter | undefined {
  const seen = new Set<string>();
  let c: Chapter | undefined = chapter;
  while (c && 'same' in c.checkpoint) {
    if (seen.has(c.slug)) throw new Error(`chapter ${c.slug}: checkpoint { same } loops back to itself`);
    seen.add(c.slug);
    const target: string = c.checkpoint.same;
    c = all.find((x) => x.slug === target);
  }
  return c;
}
