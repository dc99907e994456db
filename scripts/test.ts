// `npm test [filter...]`: runs every tests/**/*.test.ts (or those whose path contains a filter) with node:test.
// Node 20's --test takes no globs, so the files are collected here.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { repoRoot } from '../src/workbook/checkpoint.ts';

function collect(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? collect(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []);
}

const filters = process.argv.slice(2);
const files = collect(join(repoRoot, 'tests'))
  .map((f) => relative(repoRoot, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const reporter = process.env.TEST_REPORTER ?? 'spec';
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, ...files], { cwd: repoRoot, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
