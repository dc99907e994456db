// The whole book's listing check: every chapter synced against src/, plus the regions no chapter shows. Pure.
import { syncChapter, regionsOf, unusedRegions, type Problem } from './listings.ts';
import { RegionError } from './regions.ts';

export interface BookFiles {
  chapters: { file: string; text: string }[];   // chapters/NN-slug.md, relative paths
  sources: Map<string, string>;                 // every src/ file that may hold regions, by relative path
  // The files the written chapters list. When given, a region must be shown only if its file is one of them: the
  // regions of a planned chapter's files (built ahead of its text) wait for that chapter.
  written?: ReadonlySet<string>;
}

export interface BookSync {
  problems: Problem[];                          // drift included
  synced: { file: string; text: string }[];     // chapters whose text sync would change
}

export function syncBook(book: BookFiles): BookSync {
  const problems: Problem[] = [];
  const used: string[] = [];
  const synced: { file: string; text: string }[] = [];
  const read = (p: string) => book.sources.get(p);
  for (const ch of book.chapters) {
    const r = syncChapter(ch.file, ch.text, read);
    problems.push(...r.problems);
    used.push(...r.used);
    if (r.text !== ch.text) synced.push({ file: ch.file, text: r.text });
  }
  const all = [];
  for (const [file, text] of book.sources) {
    try {
      all.push(...regionsOf(file, text));
    } catch (err) {
      if (!(err instanceof RegionError)) throw err;
      problems.push({ kind: 'region-error', file, line: err.line, message: err.message });
    }
  }
  problems.push(...unusedRegions(book.written ? all.filter((r) => book.written!.has(r.file)) : all, used));
  return { problems, synced };
}
