// Fenced code blocks of a Markdown chapter, with their line numbers and the HTML comment just before them.
// (Ours; follows CommonMark's fence rules closely enough for the book: ``` or ~~~, closed by a longer-or-equal run.)

export interface Fence {
  info: string;          // the whole info string, e.g. "console no-output"
  lang: string;          // its first word, e.g. "console"
  open: number;          // 0-based index of the opening fence line
  close: number;         // 0-based index of the closing fence line (lines.length when unclosed)
  body: string;          // the lines between, each ending in '\n'
  comment?: string;      // the text of a `<!-- ... -->` comment on the line directly before the fence
}

const OPEN = /^( {0,3})(`{3,}|~{3,})\s*([^`]*?)\s*$/;

export function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function findFences(markdown: string): Fence[] {
  const lines = splitLines(markdown);
  const fences: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = OPEN.exec(lines[i]!);
    if (!m) continue;
    const marker = m[2]!;
    const info = m[3]!;
    if (marker[0] === '`' && info.includes('`')) continue;
    let close = i + 1;
    while (close < lines.length && !isClose(lines[close]!, marker)) close++;
    const prev = i > 0 ? /^\s*<!--\s*(.*?)\s*-->\s*$/.exec(lines[i - 1]!) : null;
    fences.push({
      info,
      lang: info.split(/\s+/)[0] ?? '',
      open: i,
      close,
      body: lines.slice(i + 1, close).map((l) => `${l}\n`).join(''),
      ...(prev ? { comment: prev[1]! } : {}),
    });
    i = close;
  }
  return fences;
}

function isClose(line: string, marker: string): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  return !!m && m[1]![0] === marker[0] && m[1]!.length >= marker.length;
}

// The chapter with one fence's body replaced (the fence lines themselves are kept as written).
export function replaceFenceBody(markdown: string, fence: Fence, body: string): string {
  const lines = splitLines(markdown);
  const bodyLines = splitLines(body);
  const out = [...lines.slice(0, fence.open + 1), ...bodyLines, ...lines.slice(fence.close)];
  return `${out.join('\n')}\n`;
}
