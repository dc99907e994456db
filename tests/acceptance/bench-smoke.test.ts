// `npm run bench -- --quick` runs the bench's own code end to end (every checkpoint, both clients, every baseline)
// and prints every row of the table with numbers. Its numbers are never asserted: speed is read, not gated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import type { Row } from '../../scripts/bench/stats.ts';
import { chains } from '../../scripts/bench/chain.ts';

test('npm run bench -- --quick prints a number for every metric on every chain checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ike-bench-smoke-'));
  try {
    const file = join(dir, 'bench.json');
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--quick', '--json', file],
        { cwd: repoRoot, timeout: 240_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    });
    assert.equal(run.code, 0, run.stderr);
    const { rows } = JSON.parse(readFileSync(file, 'utf8')) as { rows: Row[] };
    for (const r of rows) {
      for (const k of ['ours', 'baseline', 'ratio'] as const) assert.ok(Number.isFinite(r[k]), `${r.checkpoint} ${r.metric}: ${k} is ${r[k]}`);
      assert.ok(r.n >= 1, `${r.checkpoint} ${r.metric}: n is ${r.n}`);
      assert.ok(run.stdout.includes(r.metric), `the printed table has ${r.metric}`);
    }
    const metrics = [/^stdout .*, fresh$/, /^stdin /, /^exec -- true, p50/, /^exec -- true, p99/, /concurrent sessions: all open/,
      /^memory per session .*: apiserver/, /^stdout .*, after \d+ sessions$/, /^npm run chapter \d+ to export KUBECONFIG=/];
    for (const c of chains) {
      const mine = rows.filter((r) => r.checkpoint === `ch${c.chapter}`);
      for (const m of metrics) assert.ok(mine.some((r) => m.test(r.metric)), `ch${c.chapter} has a row matching ${m}`);
      // One memory row per hop the chain has.
      assert.equal(mine.filter((r) => r.metric.startsWith('memory per session')).length, c.hops('node-1').length, `ch${c.chapter}: memory rows`);
    }
    assert.ok(rows.some((r) => r.metric.startsWith('codec: ')), 'the codec rows are kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
