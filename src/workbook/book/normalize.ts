// Output normalisation for the chapters' console blocks: volatile parts (ages, times, ports, uids, tokens,
// durations, klog headers, state paths, column widths) become stable placeholders before comparing. (Ours.)

export interface NormalizeOptions {
  stateDir?: string;   // absolute path of the checkpoint's state folder → <state>
  repoRoot?: string;   // absolute path of the repository → <repo>
}

// Not \b: a uid often follows '_' (pods/default_web_<uid>), which \b treats as part of the word.
const UUID = /(?<![0-9a-zA-Z])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-zA-Z])/gi;
const ISO_TIME = /\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?: ?(?:Z|[+-]\d\d:?\d\d))?(?: [A-Z]{3,4}\b)?/g;
const HTTP_DATE = /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\b/g;
// `date`'s default format, e.g. "Sun Nov 29 02:03:04 UTC 2026"
const DATE_CMD = /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d [A-Z]{2,5} \d{4}\b/g;
// klog: "I1129 02:03:04.123456   12345 round_trippers.go:553] " (the line number differs between kubectl versions)
const KLOG = /^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ ([\w.-]+?)(?::\d+)?\] /gm;
const LOOPBACK_PORT = /\b(127\.0\.0\.1|localhost|\[::1\]):\d+\b/g;
const MILLIS = /\bin \d+(?:\.\d+)? milliseconds\b/g;
const MILLIS_KV = /\b(milliseconds|duration|latency|elapsed)=("?)\d+(?:\.\d+)?(?:ms|s|µs|us|ns)?\2/g;
const RV_YAML = /(\bresourceVersion:\s*)(["']?)\d+\2/g;
const RV_JSON = /("resourceVersion"\s*:\s*)"\d+"/g;
const RV_QUERY = /\b(resourceVersion(?:Match)?=)\d+/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
const TOKEN_KV = /(\btoken["']?\s*[:=]\s*["']?)[A-Za-z0-9._~+/=-]{6,}/gi;
const STREAM_TOKEN = /(\/(?:exec|attach|portforward)\/)[A-Za-z0-9_-]{8,}(?=$|[\s"'?#])/gm;
// An age as kubectl prints it: 5s, 3m2s, 10m, 2d, 2d3h, 4y12d; only as a whole word.
const AGE = /(?<=^|\s|\()(?:\d+y)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?=$|\s|\))/gm;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const PID = /\b(pid[ =:]\s*)\d+\b/gi;

export function normalize(text: string, opts: NormalizeOptions = {}): string {
  let t = text.replace(/\r\n?/g, '\n').replace(ANSI, '');
  for (const [path, marker] of [[opts.stateDir, '<state>'], [opts.repoRoot, '<repo>']] as const) {
    if (path && path.length > 1) t = t.split(path.replace(/\/+$/, '')).join(marker);
  }
  t = t
    .replace(KLOG, '$1<klog> $2] ')
    .replace(UUID, '<uid>')
    .replace(ISO_TIME, '<time>')
    .replace(HTTP_DATE, '<time>')
    .replace(DATE_CMD, '<time>')
    .replace(LOOPBACK_PORT, '$1:<port>')
    .replace(MILLIS, 'in <n> milliseconds')
    .replace(MILLIS_KV, '$1=$2<n>$2')
    .replace(RV_YAML, '$1$2<rv>$2')
    .replace(RV_JSON, '$1"<rv>"')
    .replace(RV_QUERY, '$1<rv>')
    .replace(BEARER, '$1<token>')
    .replace(TOKEN_KV, '$1<token>')
    .replace(STREAM_TOKEN, '$1<token>')
    .replace(PID, '$1<pid>')
    .replace(AGE, (m) => (m === '' ? m : '<age>'));
  const lines = t.split('\n').map((l) => l.replace(/\s+$/, '').replace(/(?<=\S) {2,}(?=\S)/g, COLUMN));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  while (lines.length && lines[0] === '') lines.shift();
  return lines.join('\n');
}

// What a run of two or more spaces between words (a table's column gap) becomes.
export const COLUMN = ' ␣ ';

// Compares normalised texts line by line; an expected line that is exactly `...` matches any run of lines
// (for output whose length varies, like the discovery requests in a -v=6 log).
export function matchOutput(expected: string, actual: string): boolean {
  const e = expected === '' ? [] : expected.split('\n');
  const a = actual === '' ? [] : actual.split('\n');
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === e.length) r = j === a.length;
    else if (e[i] === '...') r = go(i + 1, j) || (j < a.length && go(i, j + 1));
    else r = j < a.length && e[i] === a[j] && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

// A short line diff for test failures: expected lines prefixed '-', actual '+', shared ' '.
export function diffLines(expected: string, actual: string): string {
  const e = expected === '' ? [] : expected.split('\n');
  const a = actual === '' ? [] : actual.split('\n');
  // Longest common subsequence table; outputs are short (a terminal screen), so O(n·m) is fine.
  const l: number[][] = Array.from({ length: e.length + 1 }, () => new Array<number>(a.length + 1).fill(0));
  for (let i = e.length - 1; i >= 0; i--) {
    for (let j = a.length - 1; j >= 0; j--) {
      l[i]![j] = e[i] === a[j] ? l[i + 1]![j + 1]! + 1 : Math.max(l[i + 1]![j]!, l[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < e.length || j < a.length) {
    if (i < e.length && j < a.length && e[i] === a[j]) { out.push(`  ${e[i++]}`); j++; }
    else if (i < e.length && (j === a.length || l[i + 1]![j]! >= l[i]![j + 1]!)) out.push(`- ${e[i++]}`);
    else out.push(`+ ${a[j++]}`);
  }
  return out.join('\n');
}
