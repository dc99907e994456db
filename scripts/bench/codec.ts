// The remotecommand codec against the plainest code that does the same job (src/remotecommand/codec.ts), in-process.
import { performance } from 'node:perf_hooks';
import { encodeMessage, decodeMessage } from '../../src/remotecommand/codec.ts';
import { protocols } from '../../src/remotecommand/protocols.ts';
import { median, type Row } from './stats.ts';

// Runs fn for budgetMs (in batches, so the clock is read rarely) and returns MiB/s for `bytes` per call.
function rate(fn: () => unknown, budgetMs: number, bytes: number): number {
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  for (;;) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    const ms = performance.now() - start;
    if (ms >= budgetMs) return (ops * bytes) / 2 ** 20 / (ms / 1000);
    if (ms < budgetMs / 10) batch *= 2;
  }
}

export function benchCodecs(reps: number, budgetMs: number): Row[] {
  const v5 = protocols.get('v5.channel.k8s.io')!;
  const b64 = protocols.get('v4.base64.channel.k8s.io')!;
  const payload = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
  const frame = encodeMessage(v5, 1, payload) as Uint8Array;
  const cases: [string, () => unknown, () => unknown][] = [
    ['codec: encode 64 KiB v5 (vs Buffer.concat)', () => encodeMessage(v5, 1, payload), () => Buffer.concat([Buffer.of(1), payload])],
    ['codec: decode 64 KiB v5 (vs subarray)', () => decodeMessage(v5, frame, true), () => frame.subarray(1)],
    ['codec: v4.base64 round trip 64 KiB (vs Buffer base64)', () => decodeMessage(b64, encodeMessage(b64, 1, payload), false),
      () => Buffer.from(Buffer.from(payload).toString('base64'), 'base64')],
  ];
  return cases.map(([metric, ours, base]) => {
    rate(ours, budgetMs / 4, 1); rate(base, budgetMs / 4, 1); // warm-up
    const o: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < reps; i++) { b.push(rate(base, budgetMs, payload.length)); o.push(rate(ours, budgetMs, payload.length)); }
    return { checkpoint: '-', metric, unit: 'MiB/s', ours: median(o), baseline: median(b), ratio: median(o.map((x, i) => x / b[i]!)), n: reps };
  });
}
