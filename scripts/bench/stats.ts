// The bench's table: rows of ours against a same-run baseline, medians and percentiles, printed or written as JSON.
export interface Row {
  checkpoint: string;       // ch2, ch3, ch5, or '-' for rows about no checkpoint (codecs)
  metric: string;
  unit: string;
  ours: number;
  baseline: number;
  ratio: number;            // as the metric reads it: throughput ours/baseline (higher is better), times ours/baseline
  n: number;                // repetitions (or samples) behind the numbers
  target?: string;          // the target, as text: read, never asserted
  meets?: boolean;
}

export function median(xs: number[]): number { return percentile(xs, 50); }

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const num = (v: number) => (!Number.isFinite(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

export function formatTable(rows: Row[]): string {
  const head = ['checkpoint', 'metric', 'ours', 'baseline', 'ratio', 'n', 'target'];
  const cells = rows.map((r) => [r.checkpoint, r.metric, `${num(r.ours)} ${r.unit}`, `${num(r.baseline)} ${r.unit}`, num(r.ratio), String(r.n),
    r.target ? `${r.target} ${r.meets ? 'ok' : 'MISSED'}` : '']);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i >= 2 && i <= 5 ? v.padStart(width[i]!) : v.padEnd(width[i]!))).join('  ').trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
