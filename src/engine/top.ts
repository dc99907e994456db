// docker top (moby daemon/top_unix.go): the host's `ps`, run with the client's options, its rows kept where the PID
// is one of the container's processes. Which processes those are, the backend knows (containerd's Task.Pids).
import { execFile } from 'node:child_process';
import { system } from './errors.ts';

// GET /containers/{id}/top: the header's titles, and one row of fields per process.
export interface TopResponse { Titles: string[]; Processes: string[][] }

// "-o pid= PID": renaming another column PID would make ps's output lie about which column is the pid.
const PS_ARGS = /\s+([^\s]*)=\s*(PID[^\s]*)/g;

export function validatePSArgs(psArgs: string): void {
  for (const [, k, v] of psArgs.matchAll(PS_ARGS)) {
    if (k !== 'pid') throw new Error(`specifying "${k}=${v}" is not allowed`);
  }
}

// strings.Fields over ASCII whitespace only: a command line may hold other spaces (moby#24358).
export const fieldsASCII = (s: string): string[] => s.split(/[\t\n\f\r ]+/).filter(Boolean);

// ps's output, header first; a row's fields past the last title are one field (the command and its arguments).
// With threads shown ("-T", "m"), a thread's row has "-" for PID and belongs to the process row above it.
export function parsePSOutput(output: string, pids: readonly number[]): TopResponse {
  const lines = output.split('\n');
  const Titles = fieldsASCII(lines[0] ?? '');
  const pidIndex = Titles.indexOf('PID');
  if (pidIndex === -1) throw new Error('Couldn\'t find PID field in ps output');
  const Processes: string[][] = [];
  const add = (fields: string[]) => Processes.push([...fields.slice(0, Titles.length - 1), fields.slice(Titles.length - 1).join(' ')]);
  let inContainer = false;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const fields = fieldsASCII(line);
    const field = fields[pidIndex] ?? '';
    if (field === '-') { if (inContainer) add(fields); continue; }
    if (!/^[+-]?\d+$/.test(field)) throw new Error(`Unexpected pid '${field}': strconv.Atoi: parsing ${JSON.stringify(field)}: invalid syntax`);
    inContainer = pids.includes(Number(field));
    if (inContainer) add(fields);
  }
  return { Titles, Processes };
}

export type RunPs = (argv: string[]) => Promise<{ ok: true; stdout: string } | { ok: false; why: string }>;

// `ps` from the host's PATH, each option its own argv element (never a shell); `why`, as Go's exec reports a
// failure: the first line of what ps said on stderr, else how it ended.
export const runPs: RunPs = (argv) => new Promise((resolve) => {
  execFile('ps', argv, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
    if (!err) { resolve({ ok: true, stdout }); return; }
    const first = String(stderr).split('\n')[0];
    const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: string };
    const how = typeof e.code === 'number' ? `exit status ${e.code}` : e.signal ? `signal: ${e.signal}` : e.message;
    resolve({ ok: false, why: first || how });
  });
});

// ContainerTop's ps part: the options split on single spaces as upstream does ("-o pid,comm"), the container's pids
// as "-q1,2,3" so ps lists only them; an option ps refuses with -q (f, forest) gets a second run without it.
export async function top(pids: readonly number[], psArgs: string, run: RunPs = runPs): Promise<TopResponse> {
  const args = psArgs.split(' ');
  let out = await run([...args, `-q${pids.join(',')}`]);
  if (!out.ok) out = await run(args);
  if (!out.ok) throw system(`ps: ${out.why}`);
  return parsePSOutput(out.stdout, pids);
}
