// A container's output kept as the json-file log driver keeps it (moby daemon/logger/jsonfilelog): one JSON object
// a line, {"log","stream","time"}, in <container dir>/<id>-json.log; read back for `docker logs` with its options.
import { appendFileSync, readFileSync } from 'node:fs';

export interface LogEntry { log: string; stream: 'stdout' | 'stderr'; time: string }
export interface ReadOptions { stdout: boolean; stderr: boolean; tail?: number; since?: number; until?: number }

const MAX_LINE = 16 * 1024; // the copier's buffer: a longer line is logged in pieces (partial messages)

// Splits a stream's bytes into messages at newlines, as logger.Copier does; the tail of a stream without one is
// flushed when the stream ends.
class LineSplitter {
  private pending = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(text: string): void {
    let s = this.pending + text;
    for (;;) {
      const nl = s.indexOf('\n');
      const cut = nl >= 0 && nl < MAX_LINE ? nl + 1 : s.length >= MAX_LINE ? MAX_LINE : 0;
      if (cut === 0) break;
      this.emit(s.slice(0, cut));
      s = s.slice(cut);
    }
    this.pending = s;
  }
  end(): void { if (this.pending) this.emit(this.pending); this.pending = ''; }
}

export class JsonLog {
  private followers = new Set<(e: LogEntry) => void>();
  private splitters: Record<'stdout' | 'stderr', LineSplitter>;
  private decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  constructor(readonly path: string) {
    const make = (stream: 'stdout' | 'stderr') => new LineSplitter((line) => this.write({ log: line, stream, time: new Date().toISOString() }));
    this.splitters = { stdout: make('stdout'), stderr: make('stderr') };
  }

  append(stream: 'stdout' | 'stderr', chunk: Uint8Array): void {
    this.splitters[stream].push(this.decoders[stream].decode(chunk, { stream: true }));
  }

  // The process's streams ended: what is left without a newline is a message of its own.
  flush(): void { for (const s of ['stdout', 'stderr'] as const) this.splitters[s].end(); }

  private write(e: LogEntry): void {
    try { appendFileSync(this.path, JSON.stringify(e) + '\n'); } catch { /* the container was removed meanwhile */ }
    for (const f of this.followers) f(e);
  }

  // Entries as `docker logs` selects them: by stream, not before `since`, the last `tail` of them.
  read(opts: ReadOptions): LogEntry[] {
    let text = '';
    try { text = readFileSync(this.path, 'utf8'); } catch { return []; }
    let entries: LogEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try { entries.push(JSON.parse(line) as LogEntry); } catch { /* a torn last line after a crash */ }
    }
    entries = entries.filter((e) => selected(e, opts));
    if (opts.tail !== undefined && opts.tail >= 0) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
    return entries;
  }

  // New entries as they are written (docker logs -f); returns the way to stop following.
  follow(fn: (e: LogEntry) => void): () => void {
    this.followers.add(fn);
    return () => this.followers.delete(fn);
  }
}

export function selected(e: LogEntry, opts: ReadOptions): boolean {
  if (e.stream === 'stdout' ? !opts.stdout : !opts.stderr) return false;
  const t = Date.parse(e.time) / 1000;
  if (opts.since && t < opts.since) return false;
  if (opts.until && t > opts.until) return false;
  return true;
}

// `since`/`until` as the CLI sends them: unix seconds, with an optional fraction ("1700000000.123456789").
export function parseTimestamp(v: string | null): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
