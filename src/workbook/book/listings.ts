// Listing sync: a chapter's `<!-- listing: src/path.ts#name -->` blocks rewritten from the regions in src/, and
// every way a chapter and the source can disagree. Pure: the caller reads files and writes the result.
import { findFences, replaceFenceBody, splitLines, type Fence } from './fences.ts';
import { extractRegions, RegionError, wholeFile, type Region } from './regions.ts';

export interface ListingRef { path: string; region?: string }

export type ProblemKind =
  | 'drift' | 'missing-file' | 'missing-region' | 'bad-listing' | 'stray-listing'
  | 'unsynced-ts' | 'region-error' | 'unused-region' | 'mermaid';

export interface Problem { kind: ProblemKind; file: string; line: number; message: string }

// Reads a repository file by its relative path; undefined when it does not exist.
export type SourceReader = (path: string) => string | undefined;

const LISTING = /^listing:\s*(\S+)\s*$/;

// Paths come from chapter text: only plain relative paths under src/, so a chapter can never read outside it.
export function parseListingRef(comment: string): ListingRef | string | undefined {
  const m = LISTING.exec(comment.trim());
  if (!m) return comment.trim().startsWith('listing') ? `malformed listing comment "${comment}"` : undefined;
  const [path, region, extra] = m[1]!.split('#');
  if (extra !== undefined || region === '') return `malformed listing reference "${m[1]}"`;
  if (!/^src\/[A-Za-z0-9_./-]+$/.test(path!) || path!.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    return `listing path "${path}" must be a plain relative path under src/`;
  }
  return region === undefined ? { path: path! } : { path: path!, region };
}

export interface SyncResult {
  text: string;          // the chapter with every listing that could be resolved rewritten from the source
  problems: Problem[];   // drift included (it is what --check reports and what sync fixes)
  used: string[];        // "src/path.ts#region" for every region shown (a whole-file listing uses all its regions)
}

export function syncChapter(chapterFile: string, markdown: string, read: SourceReader): SyncResult {
  const problems: Problem[] = [];
  const used: string[] = [];
  const fences = findFences(markdown);
  const replacements: { fence: Fence; body: string }[] = [];
  const problem = (kind: ProblemKind, line: number, message: string) => problems.push({ kind, file: chapterFile, line, message });

  for (const fence of fences) {
    const line = fence.open + 1;
    const ref = fence.comment === undefined ? undefined : parseListingRef(fence.comment);
    if (typeof ref === 'string') { problem('bad-listing', line - 1, ref); continue; }
    if (fence.lang === 'mermaid') for (const p of mermaidProblems(fence.body)) problem('mermaid', line + 1 + p.offset, p.message);
    if (!ref) {
      if (isTs(fence.lang) && !/\billustrative\b/.test(fence.info)) {
        problem('unsynced-ts', line, 'a ts block that is neither a listing (<!-- listing: src/path.ts#region -->) nor marked ```ts illustrative');
      }
      continue;
    }
    const source = read(ref.path);
    if (source === undefined) { problem('missing-file', line - 1, `listing ${ref.path}: no such file`); continue; }
    let regions: Map<string, Region>;
    try {
      regions = extractRegions(source, ref.path);
    } catch (err) {
      if (err instanceof RegionError) { problem('region-error', line - 1, err.message); continue; }
      throw err;
    }
    let body: string;
    if (ref.region === undefined) {
      body = wholeFile(source);
      for (const name of regions.keys()) used.push(`${ref.path}#${name}`);
    } else {
      const region = regions.get(ref.region);
      if (!region) {
        const known = [...regions.keys()];
        problem('missing-region', line - 1, `listing ${ref.path}#${ref.region}: no such region${known.length ? ` (regions: ${known.join(', ')})` : ' (the file has no regions)'}`);
        continue;
      }
      body = region.text;
      used.push(`${ref.path}#${ref.region}`);
    }
    if (body !== fence.body) {
      problem('drift', line, `listing ${ref.path}${ref.region ? `#${ref.region}` : ''} differs from the source (run npm run book:sync)`);
      replacements.push({ fence, body });
    }
  }

  // A listing comment that no fence follows would silently show nothing: report it.
  const fenceComments = new Set(fences.filter((f) => f.comment !== undefined).map((f) => f.open - 1));
  splitLines(markdown).forEach((l, i) => {
    if (/^\s*<!--\s*listing\b/.test(l) && !fenceComments.has(i) && !insideFence(fences, i)) {
      problem('stray-listing', i + 1, 'listing comment not directly followed by a fenced code block');
    }
  });

  let text = markdown;
  for (const { fence, body } of replacements.reverse()) text = replaceFenceBody(text, fence, body);
  problems.sort((a, b) => a.line - b.line);
  return { text, problems, used };
}

export interface SourceRegion { file: string; name: string; line: number }

export function regionsOf(file: string, source: string): SourceRegion[] {
  return [...extractRegions(source, file).values()].map((r) => ({ file, name: r.name, line: r.startLine }));
}

export function unusedRegions(all: SourceRegion[], used: Iterable<string>): Problem[] {
  const seen = new Set(used);
  return all
    .filter((r) => !seen.has(`${r.file}#${r.name}`))
    .map((r) => ({ kind: 'unused-region' as const, file: r.file, line: r.line, message: `region "${r.name}" is not shown by any chapter` }));
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.kind}: ${p.message}`;
}

// Mermaid's sequence diagrams end a statement at ';', so a ';' inside a message or a note cuts it and the whole
// diagram becomes "Syntax error in text" (on GitHub too). Flowcharts allow it inside quoted labels only.
export function mermaidProblems(body: string): { offset: number; message: string }[] {
  const lines = body.split('\n');
  if (!/^\s*sequenceDiagram\b/.test(lines.find((l) => l.trim() !== '' && !l.trim().startsWith('%%')) ?? '')) return [];
  const out: { offset: number; message: string }[] = [];
  lines.forEach((l, i) => {
    if (l.trim().startsWith('%%') || !l.includes(';')) return;
    out.push({ offset: i, message: `';' ends a statement in a Mermaid sequence diagram, so this line breaks the whole diagram: use ',' or a dash instead (${l.trim().slice(0, 60)})` });
  });
  return out;
}

function isTs(lang: string): boolean {
  return lang === 'ts' || lang === 'typescript';
}

function insideFence(fences: Fence[], line: number): boolean {
  return fences.some((f) => line > f.open && line < f.close);
}
