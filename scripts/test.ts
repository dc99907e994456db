// `npm test [filter...]`: runs every tests/**/*.test.ts (or those whose path contains a filter) with node:test.
// Node 20's --test takes no globs, so the files are collected here. A line per file as it starts (scripts/test-starts.mjs).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
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
// The suites mostly wait on sockets and child processes (each uses ephemeral ports and a temp state folder of its own),
// so one file runs per core, one more than node:test's default (cores - 1). Not more: 4 files on 2 cores made the
// machine slow enough to lose the real kubectl's race (client-go drops messages that arrive before it has registered
// its streams: "Unknown stream id 1"). TEST_CONCURRENCY=N overrides it; 1 runs them one at a time.
const concurrency = Number(process.env.TEST_CONCURRENCY) || Math.max(2, availableParallelism());
// The longest files (a checkpoint each, and the book's chapters) start first, so none of them is left running alone at the end.
const slowFirst = (f: string) => (f.startsWith('tests/book/commands') ? 0 : f.startsWith('tests/acceptance/') ? 1 : f.startsWith('tests/book/') ? 2 : 3);
files.sort((a, b) => slowFirst(a) - slowFirst(b) || a.localeCompare(b));
const reporter = process.env.TEST_REPORTER ?? 'spec';
// Beside the spec reporter (results per file, when it ends, and the summary), a line as each file starts.
const reporters = reporter === 'spec'
  ? ['--test-reporter=./scripts/test-starts.mjs', '--test-reporter-destination=stdout', '--test-reporter=spec', '--test-reporter-destination=stdout']
  : [`--test-reporter=${reporter}`];
// A test file that hangs is cancelled after 15 minutes, naming itself, instead of holding the run until CI's own limit
// (node:test applies --test-timeout to each file's process as a whole). The longest file, the book's chapters, takes
// 6 to 8 minutes on 2 busy cores. TEST_TIMEOUT_MS overrides it.
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS) || 900_000;
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...reporters, ...files], { cwd: repoRoot, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
