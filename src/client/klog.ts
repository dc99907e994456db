// Formats log lines exactly as klog does (k8s.io/klog/v2 klog.go header, textlogger values), so our -v output reads like kubectl's.
import { performance } from 'node:perf_hooks';

export type Severity = 'I' | 'W' | 'E';

const pad = (n: number, width: number, fill = '0') => String(n).padStart(width, fill);

// "I1129 02:03:04.123456   12345 round_trippers.go:470] " — month/day, UTC time to the microsecond,
// the pid right-aligned in 7 columns, then the Go file:line that logged it.
export function klogHeader(severity: Severity, source: string, at: Date, micros: number, pid: number): string {
  const date = `${pad(at.getUTCMonth() + 1, 2)}${pad(at.getUTCDate(), 2)}`;
  const time = `${pad(at.getUTCHours(), 2)}:${pad(at.getUTCMinutes(), 2)}:${pad(at.getUTCSeconds(), 2)}.${pad(micros, 6)}`;
  return `${severity}${date} ${time} ${pad(pid, 7, ' ')} ${source}] `;
}

// Go's strconv.Quote: printable runes stay, the rest become \n, \t, \xNN or \uNNNN escapes.
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xad || (cp >= 0xd800 && cp < 0xe000)) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

// A klog structured value: one-line strings are quoted; multi-line strings are shown as-is,
// each line indented by a tab, closed by " >" (textlogger's writeStringValue).
export function klogValue(v: string): string {
  if (!v.includes('\n')) return goQuote(v);
  const lines = v.split('\n');
  const endsWithBreak = lines[lines.length - 1] === '';
  if (endsWithBreak) lines.pop();
  return `<\n${lines.map((l) => `\t${l}`).join('\n')}\n >`;
}

// `"Request Body" body="..."`: klog.InfoS's message plus key=value pairs.
export function klogStructured(msg: string, kv: Record<string, string>): string {
  return [goQuote(msg), ...Object.entries(kv).map(([k, v]) => `${k}=${klogValue(v)}`)].join(' ');
}

// The sink our components log through: a verbosity and a writer of whole lines.
export interface Logger {
  verbosity: number;
  enabled(level: number): boolean;
  info(level: number, source: string, message: string): void;
}

export class KlogLogger implements Logger {
  constructor(
    readonly verbosity: number,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    private readonly now: () => { at: Date; micros: number } = wallClockMicros,
    private readonly pid: number = process.pid,
  ) {}

  enabled(level: number): boolean { return this.verbosity >= level; }

  info(level: number, source: string, message: string): void {
    if (!this.enabled(level)) return;
    const { at, micros } = this.now();
    this.write(`${klogHeader('I', source, at, micros, this.pid)}${message}\n`);
  }
}

// Date has milliseconds; performance.now() supplies the microseconds klog prints.
function wallClockMicros(): { at: Date; micros: number } {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return { at: new Date(Math.floor(us / 1000)), micros: us % 1_000_000 };
}

export const silentLogger: Logger = { verbosity: 0, enabled: () => false, info: () => {} };
