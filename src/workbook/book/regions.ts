// Named regions in source files (`// #region name` … `// #endregion name`): the code a chapter listing shows.
// (Ours: Kubernetes has no literate book; the markers are the ones VS Code folds.)

const START = /^\s*\/\/\s*#region\s+(\S+)\s*$/;
const END = /^\s*\/\/\s*#endregion(?:\s+(\S+))?\s*$/;

export class RegionError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'RegionError';
  }
}

export interface Region {
  name: string;
  startLine: number; // 1-based line of the `#region` marker
  endLine: number;   // 1-based line of the `#endregion` marker
  text: string;      // the lines between, markers of nested regions removed, dedented, ending in '\n'
}

export function isMarker(line: string): boolean {
  return START.test(line) || END.test(line);
}

// Region names are unique per file; regions may nest; an `#endregion` with a name must close that region.
export function extractRegions(source: string, file = '<source>'): Map<string, Region> {
  const lines = splitLines(source);
  const regions = new Map<string, Region>();
  const open: { name: string; line: number }[] = [];
  lines.forEach((line, i) => {
    const start = START.exec(line);
    if (start) {
      const name = start[1]!;
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new RegionError(file, i + 1, `region name "${name}" may use only letters, digits, '.', '_' and '-'`);
      if (regions.has(name) || open.some((o) => o.name === name)) throw new RegionError(file, i + 1, `region "${name}" is defined twice`);
      open.push({ name, line: i + 1 });
      return;
    }
    const end = END.exec(line);
    if (!end) return;
    const top = open.pop();
    if (!top) throw new RegionError(file, i + 1, '#endregion without a #region');
    if (end[1] !== undefined && end[1] !== top.name) {
      throw new RegionError(file, i + 1, `#endregion ${end[1]} closes region "${top.name}" (opened at line ${top.line})`);
    }
    const body = lines.slice(top.line, i).filter((l) => !isMarker(l));
    regions.set(top.name, { name: top.name, startLine: top.line, endLine: i + 1, text: joinLines(dedent(body)) });
  });
  const unclosed = open.pop();
  if (unclosed) throw new RegionError(file, unclosed.line, `region "${unclosed.name}" is never closed`);
  return regions;
}

// The whole file as a listing: every region marker removed, nothing else touched.
export function wholeFile(source: string): string {
  return joinLines(trimBlankEnds(splitLines(source).filter((l) => !isMarker(l))));
}

// Removes the indentation common to all non-blank lines, so a region from inside a class reads flush left.
export function dedent(lines: string[]): string[] {
  const trimmed = trimBlankEnds(lines.map((l) => l.replace(/\s+$/, '')));
  let common = Infinity;
  for (const l of trimmed) {
    if (l.trim() === '') continue;
    common = Math.min(common, /^[ \t]*/.exec(l)![0].length);
  }
  if (!Number.isFinite(common) || common === 0) return trimmed;
  return trimmed.map((l) => l.slice(common));
}

function trimBlankEnds(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}

function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function joinLines(lines: string[]): string {
  return lines.length ? `${lines.join('\n')}\n` : '';
}
