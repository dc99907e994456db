// `npm run chapter N` until it prints `export KUBECONFIG=` (the moment a reader can use it), then Ctrl-C and
// wait until everything stopped. Run as node scripts/chapter.ts, which is what npm runs, without npm's own start-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../../src/workbook/checkpoint.ts';

export async function timeChapterStart(chapter: number): Promise<number> {
  const runDir = mkdtempSync(join(tmpdir(), 'ike-bench-chapter-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/chapter.ts'), String(chapter)], {
    cwd: repoRoot, env: { ...process.env, WORKBOOK_RUN_DIR: runDir }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const t0 = performance.now();
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => { err += c; });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c;
        if (out.includes('export KUBECONFIG=')) resolve((performance.now() - t0) / 1000);
      });
      exited.then((code) => reject(new Error(`npm run chapter ${chapter} exited with ${code} before the KUBECONFIG line: ${err.trim().split('\n').pop() ?? ''}`)));
    });
  } finally {
    child.kill('SIGINT');
    await exited;
    rmSync(runDir, { recursive: true, force: true });
  }
}
