import { performance } from 'node:perf_hooks';

// A small Prometheus registry for the kubelet's runtime metrics, in the text exposition format
// (pkg/kubelet/metrics/metrics.go: RuntimeOperations, RuntimeOperationsErrors, RuntimeOperationsDuration).

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const formatValue = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12))));

// Counters and histograms keyed by one label value, which is all these metrics need.
export class CounterVec {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly label: string) {}
  inc(labelValue: string, by = 1): void { this.values.set(labelValue, (this.values.get(labelValue) ?? 0) + by); }
  get(labelValue: string): number { return this.values.get(labelValue) ?? 0; }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [lv, v] of [...this.values].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${this.name}{${this.label}="${escapeLabel(lv)}"} ${formatValue(v)}`);
    return lines.join('\n');
  }
}

export class HistogramVec {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly label: string, readonly buckets: number[]) {}
  observe(labelValue: string, seconds: number): void {
    let s = this.series.get(labelValue);
    if (!s) this.series.set(labelValue, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((le, i) => { if (seconds <= le) s!.counts[i]!++; });
    s.sum += seconds;
    s.count++;
  }
  count(labelValue: string): number { return this.series.get(labelValue)?.count ?? 0; }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [lv, s] of [...this.series].sort(([a], [b]) => a.localeCompare(b))) {
      const l = `${this.label}="${escapeLabel(lv)}"`;
      this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{${l},le="${formatValue(le)}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${l},le="+Inf"} ${s.count}`, `${this.name}_sum{${l}} ${formatValue(s.sum)}`, `${this.name}_count{${l}} ${s.count}`);
    }
    return lines.join('\n');
  }
}

// Prometheus' ExponentialBuckets(start, factor, count).
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

export class RuntimeMetrics {
  // Milliseconds, for timing calls; injectable so tests can say how long a call took.
  constructor(readonly now: () => number = () => performance.now()) {}
  readonly operations = new CounterVec('kubelet_runtime_operations_total', '[ALPHA] Cumulative number of runtime operations by operation type.', 'operation_type');
  readonly errors = new CounterVec('kubelet_runtime_operations_errors_total', '[ALPHA] Cumulative number of runtime operation errors by operation type.', 'operation_type');
  // The kubelet's buckets: 5 ms to about 7.5 minutes.
  readonly duration = new HistogramVec('kubelet_runtime_operations_duration_seconds', '[ALPHA] Duration in seconds of runtime operations. Broken down by operation type.', 'operation_type', exponentialBuckets(0.005, 2.5, 14));

  // The text format served at /metrics (Content-Type: text/plain; version=0.0.4).
  render(): string {
    return `${[this.duration, this.errors, this.operations].map((m) => m.render()).join('\n')}\n`;
  }
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
