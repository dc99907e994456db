// What every describer shares: the prefix writer over a tabwriter, RFC 1123 times, labels, annotations and the
// Events section (kubectl/pkg/describe/describe.go: PrefixWriter, printLabelsMultiline, DescribeEvents).
import type { Event } from '../../api/types.ts';
import { tabwrite } from '../printers/tabwriter.ts';
import { humanDuration } from '../printers/table-printer.ts';

// LEVEL_0..LEVEL_3: two spaces per level.
export class PrefixWriter {
  private text = '';
  write(level: number, s: string): void { this.text += '  '.repeat(level) + s; }
  // tabbedString: the whole description through one tabwriter (padding 2).
  toString(): string { return tabwrite(this.text); }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

// time.RFC1123Z in kubectl's local zone: "Mon, 02 Jan 2006 15:04:05 -0700".
export function rfc1123z(ts: string | null | undefined): string {
  const d = new Date(ts ?? '');
  if (Number.isNaN(d.getTime())) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${two(Math.floor(Math.abs(off) / 60))}${two(Math.abs(off) % 60)}`;
  return `${DAYS[d.getDay()]}, ${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone}`;
}

// translateTimestampSince: "<unknown>" without a time, else a human duration.
export function since(ts: string | null | undefined, now = Date.now()): string {
  const t = Date.parse(ts ?? '');
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

export function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return w.write(0, '<none>\n');
  keys.forEach((k, i) => w.write(0, `${i ? '\t' : ''}${k}=${labels![k]}\n`));
}

const maxAnnotationLen = 140;
const shorten = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}...` : s);

// kubectl leaves out the last-applied-configuration annotation, and folds long or multi-line values.
export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {}).filter((k) => k !== 'kubectl.kubernetes.io/last-applied-configuration').sort();
  if (keys.length === 0) return w.write(0, '<none>\n');
  keys.forEach((k, i) => {
    if (i) w.write(0, '\t');
    const value = annotations![k]!.replace(/\n$/, '');
    if (value.length + k.length + 2 > maxAnnotationLen || value.includes('\n')) {
      w.write(0, `${k}:\n`);
      for (const line of value.split('\n')) w.write(0, `  ${shorten(line, maxAnnotationLen - 2)}\n`);
    } else w.write(0, `${k}: ${value}\n`);
  });
}

// DescribeEvents: "<none>", or a table of type, reason, age, source and message.
export function describeEvents(w: PrefixWriter, events: Event[] | undefined, now = Date.now()): void {
  if (!events) return;
  if (events.length === 0) return w.write(0, 'Events:\t<none>\n');
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  type Ev = Event & { lastTimestamp?: string; eventTime?: string; source?: { component?: string }; reportingComponent?: string };
  for (const e of events as Ev[]) {
    const from = e.source?.component || e.reportingComponent || '';
    w.write(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${since(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp, now)}\t${from}\t${(e.message ?? '').trim()}\n`);
  }
}
