// The exec path's cases on one checkpoint, each against the raw relay chain with as many hops (relay.ts), in the
// same run, with the same bytes and the same client: stdout and stdin throughput, `true`'s round trip, many
// sessions open at once and the memory each costs per hop, and stdout again once those sessions have passed.
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { startCheckpoint, checkpointOf, findChapter } from '../../src/workbook/checkpoint.ts';
import { RESTClient } from '../../src/client/rest-client.ts';
import { waitFor } from '../../src/util/wait.ts';
import { streamExec } from '../../src/remotecommand/websocket-client.ts';
import type { Pod } from '../../src/api/types.ts';
import { counter, execSide, podTarget, rawSide, timeStdin, timeStdout, type Side, type Target } from './clients.ts';
import { rawExec, startRelayChain } from './relay.ts';
import { rssKiB } from './rss.ts';
import { cpuSnapshot, profileSelf } from './cpu.ts';
import { median, percentile, type Row } from './stats.ts';

// A chain checkpoint and the components an exec passes through (a later chapter's checkpoint is one more line).
export interface Chain { chapter: number; hops: (node: string) => string[] }
export const chains: Chain[] = [
  { chapter: 2, hops: () => ['apiserver'] },
  { chapter: 3, hops: (node) => ['apiserver', `kubelet-${node}`] },
  { chapter: 5, hops: (node) => ['apiserver', `kubelet-${node}`, `shim-${node}`] },
];

export interface Sizes { stdoutBytes: number; stdinBytes: number; reps: number; latencyRuns: number; sessions: number; sessionReps: number }

// The cases of one chain, in the order they run; --only=... runs some of them (a quicker before/after).
export const caseNames = ['stdout', 'sessions', 'stdin', 'true', 'after'] as const;
export type CaseName = typeof caseNames[number];

const MiB = 2 ** 20;

// A full collection in the bench's own process (npm run bench runs node --expose-gc), before each throughput case.
// Why: the client that measures is an instrument. After it opened 1,000 sessions at once, V8's collector kept a
// state (a young generation grown to 32 MiB, limits set during the burst) in which streaming 1 GiB through ws cost
// the client ~1.3-2 s of CPU per GiB instead of 0.6-0.9, 25 full collections per 512 MiB instead of 1: that read as
// the chain slowing down after many sessions, though heap snapshots of the API server before and after 1,000
// sessions and 1,000 GETs showed nothing retained. One gc() restores the client for stdout; the components are untouched.
// It did not for stdin (BENCH_CPU=1, medians, 2 shared cores): after the 1,000 sessions every process that ends a
// WebSocket and streams stdin paid two to three times the CPU per 512 MiB (ch2: client 0.48 -> 1.09 s, API server
// 0.58 -> 0.93 s; ch5: client 0.39 -> 1.21 s, shim 0.67 -> 2.16 s), the byte relays little or nothing: a mark-compact
// every ~45 ms (19-24 per 512 MiB instead of 1-2), incremental marking restarting itself (workbook/supervisor.ts).
// Components and this process (package.json) now run with --no-incremental-marking.
const collectGarbage = () => (globalThis as { gc?: () => void }).gc?.();
const spawnTrue = () => new Promise<void>((ok, fail) => spawn('true', { stdio: 'ignore' }).once('exit', () => ok()).once('error', fail));

interface Open { seconds: number; close(): Promise<void> }

// n sessions of `cat`, each open once its echo of a first line came back (the process runs and both ways carry bytes).
async function openExecSessions(t: Target, n: number): Promise<Open> {
  const stdins: PassThrough[] = [];
  const done: Promise<unknown>[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((opened, failed) => {
    const stdin = new PassThrough();
    stdins.push(stdin);
    const session = streamExec(t.execURL(['cat'], true), { tty: false, stdin, stdout: counter(opened).stream });
    done.push(session);
    session.then((s) => failed(new Error(`session ended before it echoed: ${s.message ?? s.status}`)), failed);
    stdin.write('x\n');
  })));
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, close: async () => { for (const s of stdins) s.end(); await Promise.all(done); } };
}

async function openRawSessions(port: number, n: number): Promise<Open> {
  const socks: Socket[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((opened, failed) => {
    const sock = rawExec(port, ['cat']);
    socks.push(sock);
    sock.once('data', () => opened());
    sock.on('error', failed);
    sock.write('x\n');
  })));
  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds,
    close: () => Promise.all(socks.map((s) => new Promise<void>((resolve) => { s.once('close', () => resolve()); s.resume(); s.end(); }))).then(() => {}),
  };
}

// Alternating runs of baseline and ours: neither side pays alone for a busy moment of the shared machine.
async function paired(reps: number, base: () => Promise<number>, ours: () => Promise<number>) {
  const b: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < reps; i++) { b.push(await base()); o.push(await ours()); }
  return { base: b, ours: o };
}

export async function benchChain(chain: Chain, sizes: Sizes, log: (line: string) => void, only?: ReadonlySet<CaseName>): Promise<Row[]> {
  const runs = (c: CaseName) => !only || only.has(c);
  const chapter = findChapter(chain.chapter);
  const ch = `ch${chain.chapter}`;
  const rows: Row[] = [];
  // BENCH_LOG=1: the components' log lines on stderr (with WORKBOOK_NODE_ARGS=--trace-gc, say).
  const cp = await startCheckpoint(chapter.slug, process.env.BENCH_LOG === '1' ? { log: (line) => console.error(line) } : {});
  try {
    const api = cp.announcements.apiserver!.url!;
    const client = new RESTClient({ server: api });
    await client.post<Pod>('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bench' }, spec: { containers: [{ name: 'bench', image: 'nginx' }] },
    });
    const hasNodes = checkpointOf(chapter).components.some((c) => c.name.startsWith('kubelet-'));
    const pod = hasNodes
      ? await waitFor(async () => { const p = await client.get<Pod>('/api/v1/namespaces/default/pods/bench'); return p.status?.phase === 'Running' && p; },
        { timeoutMs: 30_000, what: 'pod bench Running' })
      : undefined;
    const hops = chain.hops(pod?.spec.nodeName ?? '');
    const pids = hops.map((h) => cp.announcements[h]!.pid);
    const relays = await startRelayChain(hops.length);
    try {
      const ours: Side = execSide(podTarget(api, 'bench', 'bench'));
      const raw: Side = rawSide(relays.port);
      let sessions = 0;
      const throughput = (metric: string, bytes: number, time: (s: Side, b: number) => Promise<number>, target: number) => async () => {
        log(`${ch}: ${metric}`);
        collectGarbage();
        // BENCH_CPU=1: each run's wall time, CPU and minor faults per process (the bench's client too), on stderr:
        // which process pays for a slow run. BENCH_PROF=PREFIX: a CPU profile of the bench's own client per run of ours.
        const measured = (side: 'raw' | 'ours', procs: Record<string, number>, run: () => Promise<number>) => async () => {
          if (process.env.BENCH_CPU !== '1' && !process.env.BENCH_PROF) return run();
          const cpu = cpuSnapshot(procs);
          const prof = side === 'ours' && process.env.BENCH_PROF ? await profileSelf() : undefined;
          const s = await run();
          if (prof) await prof(`${process.env.BENCH_PROF}-${ch}-${Date.now()}.cpuprofile`);
          if (process.env.BENCH_CPU === '1') log(`${ch}: ${metric}: ${side} ${s.toFixed(2)}s wall; ${cpu()}`);
          return s;
        };
        const ourProcs = Object.fromEntries(hops.map((h, i) => [h, pids[i]!]));
        const rawProcs = Object.fromEntries(relays.pids.map((p, i) => [i === relays.pids.length - 1 ? 'endpoint' : `relay${i + 1}`, p]));
        const r = await paired(sizes.reps, measured('raw', rawProcs, () => time(raw, bytes)), measured('ours', ourProcs, () => time(ours, bytes)));
        sessions += sizes.reps;
        const mibs = (s: number) => bytes / MiB / s;
        const ratio = median(r.ours.map((s, i) => r.base[i]! / s));
        rows.push({ checkpoint: ch, metric, unit: 'MiB/s', ours: median(r.ours.map(mibs)), baseline: median(r.base.map(mibs)), ratio, n: sizes.reps,
          target: `ratio >= ${target}`, meets: ratio >= target });
      };
      const size = (b: number) => (b >= 2 ** 30 ? `${b / 2 ** 30} GiB` : `${b / MiB} MiB`);
      // The order matters: stdout on the fresh checkpoint first; then the sessions, whose memory is read while the
      // components' heaps hold little garbage (RSS also falls when a component collects what earlier cases left,
      // which would read as a negative cost); stdin and `true`; last stdout again, after all those sessions.
      if (runs('stdout')) await throughput(`stdout ${size(sizes.stdoutBytes)}, fresh`, sizes.stdoutBytes, timeStdout, 0.8)();

      if (runs('sessions')) {
        log(`${ch}: ${sizes.sessions} concurrent sessions x${sizes.sessionReps}`);
        const open = { base: [] as number[], ours: [] as number[] };
        const memOurs: number[][] = [];
        const memBase: number[][] = [];
        const perSession = (ids: number[], before: number[]) => ids.map((pid, i) => (rssKiB(pid) - before[i]!) / sizes.sessions);
        for (let i = 0; i < sizes.sessionReps; i++) {
          let before = relays.relayPids.map(rssKiB);
          const b = await openRawSessions(relays.port, sizes.sessions);
          if (i === 0) memBase.push(perSession(relays.relayPids, before));
          await b.close();
          open.base.push(b.seconds);
          before = pids.map(rssKiB);
          const o = await openExecSessions(podTarget(api, 'bench', 'bench'), sizes.sessions);
          if (i === 0) memOurs.push(perSession(pids, before));
          await o.close();
          open.ours.push(o.seconds);
          sessions += sizes.sessions;
        }
        const openRatio = median(open.ours.map((s, i) => s / open.base[i]!));
        rows.push({ checkpoint: ch, metric: `${sizes.sessions} concurrent sessions: all open (vs raw chain to cat)`, unit: 's',
          ours: median(open.ours), baseline: median(open.base), ratio: openRatio, n: sizes.sessionReps, target: 'ratio <= 2', meets: openRatio <= 2 });
        // Memory: each component's RSS growth with all sessions open, per session, against the relays' median growth,
        // from the first round only: a process keeps the pages its first sessions used, so later rounds read near 0.
        // A collection of earlier cases' garbage during the round still lowers it (noise, sometimes below 0).
        const relayKiB = median(memBase.map((m) => median(m)));
        hops.forEach((hop, h) => {
          const kib = median(memOurs.map((m) => m[h]!));
          rows.push({ checkpoint: ch, metric: `memory per session at ${sizes.sessions}: ${hop.replace(/-node-\d+$/, '')} (vs a relay)`, unit: 'KiB',
            ours: kib, baseline: relayKiB, ratio: kib / relayKiB, n: 1, target: 'ours <= 64 KiB', meets: kib <= 64 });
        });
      }

      if (runs('stdin')) await throughput(`stdin ${size(sizes.stdinBytes)}`, sizes.stdinBytes, timeStdin, 0.6)();

      if (runs('true')) {
        log(`${ch}: exec -- true x${sizes.latencyRuns}`);
        const lb: number[] = [];
        const lo: number[] = [];
        const execTrue = execSide(podTarget(api, 'bench', 'bench'));
        for (let i = 0; i < sizes.latencyRuns; i++) {
          let t0 = performance.now();
          await spawnTrue();
          lb.push(performance.now() - t0);
          t0 = performance.now();
          await execTrue.run(['true'], { stdout: counter().stream });
          lo.push(performance.now() - t0);
        }
        sessions += sizes.latencyRuns;
        for (const [p, target] of [[50, 3], [99, 5]] as const) {
          const o = percentile(lo, p);
          const b = percentile(lb, p);
          rows.push({ checkpoint: ch, metric: `exec -- true, p${p} (vs spawn true)`, unit: 'ms', ours: o, baseline: b, ratio: o / b, n: sizes.latencyRuns,
            ...(chain.chapter === 5 ? { target: `ratio <= ${target}`, meets: o / b <= target } : {}) });
        }
      }

      if (runs('after')) await throughput(`stdout ${size(sizes.stdoutBytes)}, after ${sessions} sessions`, sizes.stdoutBytes, timeStdout, 0.8)();
    } finally {
      await relays.stop();
    }
  } finally {
    await cp.stop();
  }
  return rows;
}
