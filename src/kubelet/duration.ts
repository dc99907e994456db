// Go-style durations on the command line ("500ms", "4s", "1m30s"), as the real components' flags take them (time.ParseDuration).
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * UNITS[unit!]!, 0);
}

// The other way round, as Go's time.Duration.String() writes it ("3m0s", "18.5s", "250ms"), for messages
// that quote a duration the way the real kubelet's do.
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  ms = Math.abs(ms);
  if (ms < 1000) return `${sign}${trim(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${trim((ms % 60_000) / 1000)}s`;
  return sign + (h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s);
}
const trim = (n: number) => String(Number(n.toFixed(9)));
