// Prints a server-side meta.k8s.io/v1 Table as kubectl does: upper-case headers, Go tabwriter spacing, priority>0 columns only with -o wide (cli-runtime printers/tableprinter.go, tabwriter.go).
import type { ObjectMeta } from '../../api/types.ts';

export interface TableColumnDefinition { name: string; type: string; format?: string; description?: string; priority?: number }
export interface TableRow { cells: unknown[]; object?: { metadata?: ObjectMeta; [k: string]: unknown } }
export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata?: { resourceVersion?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && (v as Table).kind === 'Table' && Array.isArray((v as Table).columnDefinitions);
}

// kubectl's tabwriter: minwidth 6, padding 3, pad with spaces; the last cell of a line is not padded.
const minWidth = 6;
const padding = 3;

export interface TablePrinterOptions {
  wide?: boolean;
  withNamespace?: boolean;   // -A: a NAMESPACE column first, from each row's object metadata
  noHeaders?: boolean;
}

// #region table-printer
// One printer per `kubectl get`: it remembers column widths, so rows that arrive later from a watch
// line up under the header printed first (kubectl get -w keeps its columns the same way).
export class TablePrinter {
  private widths: number[] = [];
  private headerPrinted = false;

  constructor(private readonly opts: TablePrinterOptions = {}) {}

  // Returns the text to write; "" when the table has no rows (kubectl prints no header then).
  print(table: Table): string {
    if (table.rows.length === 0) return '';
    const visible = table.columnDefinitions
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => this.opts.wide || !c.priority);
    const lines: string[][] = [];
    if (!this.opts.noHeaders && !this.headerPrinted) {
      lines.push([...(this.opts.withNamespace ? ['NAMESPACE'] : []), ...visible.map(({ c }) => c.name.toUpperCase())]);
      this.headerPrinted = true;
    }
    for (const row of table.rows) {
      const cells = visible.map(({ i }) => formatCell(row.cells[i]));
      lines.push(this.opts.withNamespace ? [row.object?.metadata?.namespace ?? '', ...cells] : cells);
    }
    return this.layout(lines);
  }

  private layout(lines: string[][]): string {
    for (const line of lines) {
      // Every cell but the last on its line is a column cell: only those widen the column.
      line.slice(0, -1).forEach((cell, col) => {
        this.widths[col] = Math.max(this.widths[col] ?? minWidth, textWidth(cell) + padding);
      });
    }
    return lines
      .map((line) => line.map((cell, col) => (col === line.length - 1 ? cell : cell + ' '.repeat(this.widths[col] - textWidth(cell)))).join(''))
      .map((l) => `${l}\n`)
      .join('');
  }
}
// #endregion table-printer

// A cell is shown up to its first line break (with "..." after); nil shows as nothing; others as Go's %v.
export function formatCell(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') {
    const brk = cell.search(/[\f\n\r]/);
    return brk >= 0 ? `${cell.slice(0, brk)}...` : cell;
  }
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}

// tabwriter counts runes, not UTF-16 units.
function textWidth(s: string): number {
  return [...s].length;
}

// apimachinery/pkg/util/duration HumanDuration: what AGE shows when the server sent a plain object.
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 60 * 2) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 60 * 3) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) {
    const dy = Math.floor(h / 24) % 365;
    return dy === 0 ? `${Math.floor(h / 24 / 365)}y` : `${Math.floor(h / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(h / 24 / 365)}y`;
}

// Without a Table (a server that ignores as=Table) kubectl shows NAME and AGE from the objects themselves.
export function tableFromObjects(objects: { metadata?: ObjectMeta }[], now = Date.now()): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    columnDefinitions: [{ name: 'Name', type: 'string', format: 'name' }, { name: 'Age', type: 'string' }],
    rows: objects.map((o) => ({
      cells: [o.metadata?.name ?? '', o.metadata?.creationTimestamp ? humanDuration(now - Date.parse(o.metadata.creationTimestamp)) : '<unknown>'],
      object: o as TableRow['object'],
    })),
  };
}
