// npm run bench [-- --quick] [--reps=N] [--only=CASE,...] [--json FILE] [FILTER...]: the exec path on each chain checkpoint against baselines
// measured in the same run (a raw TCP relay chain with as many hops, spawning directly, chapter 1's start), so the
// ratios mean something on any machine. Numbers to read, never asserted (DESIGN.md §6). Cases: scripts/bench/.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchChain, caseNames, chains, type CaseName, type Sizes } from './bench/chain.ts';
import { benchCodecs } from './bench/codec.ts';
import { benchSpdy } from './bench/spdy.ts';
import { timeChapterStart } from './bench/startup.ts';
import { formatTable, median, type Row } from './bench/stats.ts';

const usage = `usage: npm run bench -- [--quick] [--reps=N] [--only=CASE,...] [--json FILE] [FILTER...]   (FILTER: ch2, ch3, ch5, startup, codec, spdy;\n  CASE, a chain's cases in the order they run: ${caseNames.join(', ')}; 'after' counts only the sessions of the cases run)`;

// Full: the issue's sizes, medians of 5 (sessions: of 3, so that a run stays near 10 minutes on 2 cores).
// On 2 cores shared with other work a full run took 15 minutes; --reps=3 shortens it.
const full: Sizes = { stdoutBytes: 2 ** 30, stdinBytes: 512 * 2 ** 20, reps: 5, latencyRuns: 300, sessions: 1000, sessionReps: 3 };
// Quick: a smoke run of the same code (small sizes, one repetition); its numbers mean little.
const quick: Sizes = { stdoutBytes: 8 * 2 ** 20, stdinBytes: 4 * 2 ** 20, reps: 1, latencyRuns: 10, sessions: 20, sessionReps: 1 };

async function main(argv: string[]): Promise<number> {
  let sizes = full;
  let isQuick = false;
  let json: string | undefined;
  let reps: number | undefined;
  let only: Set<CaseName> | undefined;
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') { sizes = quick; isQuick = true; }
    else if (a === '--json') { json = argv[++i]; if (!json) { console.error(usage); return 2; } }
    else if (a.startsWith('--json=')) json = a.slice(7);
    else if (a.startsWith('--reps=')) {
      const n = Number(a.slice(7));
      if (!Number.isInteger(n) || n < 1) { console.error(`bench: --reps wants a whole number >= 1\n${usage}`); return 2; }
      reps = n;
    }
    else if (a.startsWith('--only=')) {
      const names = a.slice(7).split(',').filter(Boolean);
      const bad = names.filter((n) => !(caseNames as readonly string[]).includes(n));
      if (bad.length || !names.length) { console.error(`bench: no chain case ${bad.join(', ') || '(none given)'}\n${usage}`); return 2; }
      only = new Set(names as CaseName[]);
    }
    else if (a === '--help' || a === '-h') { console.log(usage); return 0; }
    else if (a.startsWith('-')) { console.error(`bench: unknown flag ${a}\n${usage}`); return 2; }
    else filters.push(a);
  }
  if (reps) sizes = { ...sizes, reps, sessionReps: Math.min(reps, sizes.sessionReps) };
  const wanted = (name: string) => filters.length === 0 || filters.includes(name);
  const known = ['codec', 'spdy', 'startup', ...chains.map((c) => `ch${c.chapter}`)];
  const unknown = filters.filter((f) => !known.includes(f));
  if (unknown.length) { console.error(`bench: no case ${unknown.join(', ')}\n${usage}`); return 2; }

  const started = Date.now();
  const log = (line: string) => console.error(`bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s: ${line}`);
  const rows: Row[] = [];
  let failed = 0;
  const attempt = async (what: string, fn: () => Promise<Row[]>) => {
    try { rows.push(...await fn()); } catch (err) { failed++; console.error(`bench: ${what} failed: ${(err as Error).stack ?? err}`); }
  };

  if (wanted('codec')) await attempt('codec', async () => benchCodecs(sizes.reps, isQuick ? 20 : 300));
  if (wanted('spdy')) await attempt('spdy', () => benchSpdy(sizes.reps, isQuick ? 8 * 2 ** 20 : 256 * 2 ** 20));
  for (const chain of chains) if (wanted(`ch${chain.chapter}`)) await attempt(`ch${chain.chapter}`, () => benchChain(chain, sizes, log, only));
  if (wanted('startup')) {
    await attempt('startup', async () => {
      const out: Row[] = [];
      const base: number[] = [];
      const per = new Map(chains.map((c) => [c.chapter, [] as number[]]));
      for (let i = 0; i < sizes.reps; i++) {
        log(`npm run chapter 1${chains.map((c) => `, ${c.chapter}`).join('')} (${i + 1}/${sizes.reps})`);
        base.push(await timeChapterStart(1));
        for (const c of chains) per.get(c.chapter)!.push(await timeChapterStart(c.chapter));
      }
      for (const c of chains) {
        const s = median(per.get(c.chapter)!);
        out.push({ checkpoint: `ch${c.chapter}`, metric: `npm run chapter ${c.chapter} to export KUBECONFIG= (vs chapter 1)`, unit: 's',
          ours: s, baseline: median(base), ratio: s / median(base), n: sizes.reps,
          ...(c.chapter === 5 ? { target: 'ours <= 2 s', meets: s <= 2 } : {}) });
      }
      return out;
    });
  }

  // The issue's order: by checkpoint, then its metrics as the issue lists them (the cases run in another order).
  const metricOrder = [/^stdout .*fresh/, /^stdout .*after/, /^stdin/, /^exec/, /concurrent/, /^memory/, /^npm run chapter/];
  const rank = (r: Row) => (r.checkpoint === '-' ? 999 : Number(r.checkpoint.slice(2))) * 100 + (metricOrder.findIndex((m) => m.test(r.metric)) + 1);
  rows.sort((a, b) => rank(a) - rank(b));
  const mode = isQuick ? `quick (smoke: small sizes, ${sizes.reps} repetition(s); the numbers mean little)`
    : `full (medians of ${sizes.reps}; sessions: of ${sizes.sessionReps}; \`true\`: ${sizes.latencyRuns} runs)`;
  console.log(`node ${process.version}, ${cpus().length} cores, ${mode}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log('baselines: a raw Node TCP relay per hop of the chain (ch2: 1, ch3: 2, ch5: 3) before a server that spawns the same');
  console.log("command; spawn('true') in-process; `npm run chapter 1`. ratio: throughput ours/baseline, times and memory ours/baseline.\n");
  console.log(formatTable(rows));
  if (json) writeFileSync(json, `${JSON.stringify({ node: process.version, cores: cpus().length, mode: isQuick ? 'quick' : 'full', sizes, rows }, null, 2)}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
