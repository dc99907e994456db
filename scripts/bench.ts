// npm run bench [-- FILTER] [--time=MS]: named benchmarks, each against a baseline measured in the same run, so the
// ratio means something on any machine. No assertions: numbers to read, not to gate on (DESIGN.md §6).
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeMessage, decodeMessage } from '../src/remotecommand/codec.ts';
import { protocols } from '../src/remotecommand/protocols.ts';
import { startCheckpoint, type RunningCheckpoint } from '../src/workbook/checkpoint.ts';

interface Case { name: string; run: () => unknown | Promise<unknown> }
interface Bench {
  name: string;
  what: string;
  bytesPerOp?: number;
  setup?: () => Promise<{ baseline: Case; subject: Case; teardown?: () => Promise<void> }>;
  baseline?: Case;
  subject?: Case;
}
interface Measure { ops: number; ms: number }

// Runs fn until the time budget is spent (after a short warm-up), in batches so the clock is read rarely.
// Synchronous cases are not awaited: a microtask per call would cost more than a sub-microsecond operation.
async function measure(fn: () => unknown | Promise<unknown>, budgetMs: number): Promise<Measure> {
  const isAsync = fn() instanceof Promise;
  const call = isAsync ? fn : undefined;
  const warm = performance.now() + Math.min(100, budgetMs / 5);
  while (performance.now() < warm) { if (call) await call(); else fn(); }
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  for (;;) {
    if (call) for (let i = 0; i < batch; i++) await call();
    else for (let i = 0; i < batch; i++) fn();
    ops += batch;
    const ms = performance.now() - start;
    if (ms >= budgetMs) return { ops, ms };
    if (ms < budgetMs / 10) batch *= 2;
  }
}

const v5 = protocols.get('v5.channel.k8s.io')!;
const b64 = protocols.get('v4.base64.channel.k8s.io')!;
const payload = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
const frame = encodeMessage(v5, 1, payload) as Uint8Array;
const textFrame = encodeMessage(b64, 1, payload) as string;

const benches: Bench[] = [
  {
    name: 'codec.encode.v5', what: 'one 64 KiB stdout message: channel byte + payload', bytesPerOp: payload.length,
    baseline: { name: 'Buffer.concat([channel, payload])', run: () => Buffer.concat([Buffer.of(1), payload]) },
    subject: { name: 'encodeMessage(v5, 1, payload)', run: () => encodeMessage(v5, 1, payload) },
  },
  {
    name: 'codec.decode.v5', what: 'one 64 KiB message back into channel + payload', bytesPerOp: payload.length,
    baseline: { name: 'frame.subarray(1)', run: () => frame.subarray(1) },
    subject: { name: 'decodeMessage(v5, frame)', run: () => decodeMessage(v5, frame, true) },
  },
  {
    name: 'codec.base64', what: 'v4.base64 round trip of 64 KiB (encode + strict decode)', bytesPerOp: payload.length,
    baseline: { name: 'Buffer base64 encode + decode', run: () => Buffer.from(Buffer.from(payload).toString('base64'), 'base64') },
    subject: { name: 'encodeMessage + decodeMessage (base64)', run: () => decodeMessage(b64, encodeMessage(b64, 1, payload), false) },
  },
  {
    name: 'exec.roundtrip', what: '`true` through checkpoint 2 (WebSocket v5 → API server → local executor) vs spawning it directly',
    setup: async () => {
      const cp: RunningCheckpoint = await startCheckpoint('exec-subresource');
      const base = cp.announcements.apiserver!.url!;
      const res = await fetch(`${base}/api/v1/namespaces/default/pods`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bench' }, spec: { containers: [{ name: 'bench', image: 'nginx' }] } }),
      });
      if (!res.ok) { await cp.stop(); throw new Error(`creating the pod: ${res.status} ${await res.text()}`); }
      const url = `${base.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/bench/exec?command=true&container=bench&stderr=true&stdout=true`;
      return {
        baseline: { name: "spawn('true')", run: () => new Promise<void>((ok, fail) => spawn('true', { stdio: 'ignore' }).once('exit', () => ok()).once('error', fail)) },
        subject: {
          name: 'kubectl-style exec over WebSocket v5',
          run: () => new Promise<void>((ok, fail) => {
            const ws = new WebSocket(url, ['v5.channel.k8s.io']);
            ws.once('close', (code) => (code === 1000 ? ok() : fail(new Error(`closed with ${code}`))));
            ws.once('error', fail);
          }),
        },
        teardown: () => cp.stop(),
      };
    },
  },
];

function rate(m: Measure, bytes?: number): string {
  const perSec = (m.ops / m.ms) * 1000;
  const ops = perSec >= 1000 ? `${(perSec / 1000).toFixed(1)}k ops/s` : `${perSec.toFixed(1)} ops/s`;
  return bytes ? `${ops}, ${((perSec * bytes) / 2 ** 20).toFixed(0)} MiB/s` : `${ops}, ${(m.ms / m.ops).toFixed(3)} ms/op`;
}

async function main(argv: string[]): Promise<number> {
  let budget = 1000;
  const filters: string[] = [];
  for (const a of argv) {
    if (a.startsWith('--time=')) budget = Number(a.slice(7));
    else if (a.startsWith('-')) { console.error(`bench: unknown flag ${a} (usage: npm run bench -- [FILTER...] [--time=MS])`); return 2; }
    else filters.push(a);
  }
  if (!(budget > 0)) { console.error('bench: --time must be a positive number of milliseconds'); return 2; }
  const chosen = benches.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  if (!chosen.length) { console.error(`bench: nothing matches ${filters.join(' ')}; benchmarks: ${benches.map((b) => b.name).join(', ')}`); return 2; }
  console.log(`node ${process.version}, ${budget} ms per case (best of 3 alternating rounds); ratio = subject / baseline throughput (1.00 = as fast)`);
  for (const b of chosen) {
    console.log(`\n${b.name}: ${b.what}`);
    let env: { baseline: Case; subject: Case; teardown?: () => Promise<void> };
    try {
      env = b.setup ? await b.setup() : { baseline: b.baseline!, subject: b.subject! };
    } catch (err) {
      console.log(`  skipped: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    try {
      // Alternating rounds, best of each: neither side pays alone for warm-up or a garbage collection.
      let base: Measure | undefined;
      let subj: Measure | undefined;
      const best = (a: Measure | undefined, m: Measure) => (!a || m.ops / m.ms > a.ops / a.ms ? m : a);
      for (let round = 0; round < 3; round++) {
        base = best(base, await measure(env.baseline.run, budget / 3));
        subj = best(subj, await measure(env.subject.run, budget / 3));
      }
      if (!base || !subj) continue;
      const ratio = (subj.ops / subj.ms) / (base.ops / base.ms);
      console.log(`  baseline  ${env.baseline.name.padEnd(42)} ${rate(base, b.bytesPerOp)}`);
      console.log(`  subject   ${env.subject.name.padEnd(42)} ${rate(subj, b.bytesPerOp)}`);
      console.log(`  ratio     ${ratio.toFixed(2)}`);
    } catch (err) {
      console.log(`  failed: ${(err as Error).message}`);
    } finally {
      await env.teardown?.();
    }
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
