// Go's text/tabwriter as kubectl describe uses it (minwidth 0, tabwidth 8, padding 2, spaces): tab-terminated cells
// aligned per column block, a block being the consecutive lines that have a cell in that column (text/tabwriter.format).

export interface TabwriterOptions { minWidth?: number; padding?: number }

// Cell width in runes, as tabwriter counts them.
const width = (s: string) => [...s].length;

export function tabwrite(text: string, opts: TabwriterOptions = {}): string {
  const minWidth = opts.minWidth ?? 0;
  const padding = opts.padding ?? 2;
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  let out = '';

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      cells.forEach((cell, j) => {
        out += cell;
        if (j < widths.length) out += ' '.repeat(Math.max(0, widths[j]! - width(cell)));
      });
      if (i < lines.length - 1 || endsWithNewline) out += '\n';
    }
  };

  // A column block: lines line0..line1 that all have a terminated cell in the current column.
  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= lines[cur]!.length - 1) continue;
      writeLines(line0, cur);
      line0 = cur;
      let w = minWidth;
      for (; cur < line1; cur++) {
        const cells = lines[cur]!;
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column]!) + padding);
      }
      widths.push(w);
      format(line0, cur);
      widths.pop();
      line0 = cur;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out;
}
