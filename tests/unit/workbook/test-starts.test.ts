// Unit tests for npm test's reporters (scripts/test.ts, scripts/test-starts.mjs): a line as each file starts, the spec
// summary at the end, and a non-zero exit when a test fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../src/workbook/checkpoint.ts';
import { waitFor } from '../../../src/util/wait.ts';

// The reporters exactly as scripts/test.ts passes them.
const reporters = ['--test-reporter=./scripts/test-starts.mjs', '--test-reporter-destination=stdout', '--test-reporter=spec', '--test-reporter-destination=stdout'];

function runTests(files: string[]) {
  // Without our own NODE_TEST_CONTEXT, the child is a top-level run (with it, it would report to us instead).
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...reporters, ...files], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c; });
  child.stderr.on('data', (c: Buffer) => { out += c; });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return { child, output: () => out, exited };
}

test('a test file is announced while it runs, before any of its results', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ike-test-starts-'));
  const go = join(dir, 'go');
  const file = join(dir, 'blocked.test.mjs');
  // It finishes only once we have seen its start line.
  writeFileSync(file, `import { test } from 'node:test'; import { existsSync } from 'node:fs';
test('waits', async () => { while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 20)); });\n`);
  const run = runTests([file]);
  t.after(() => { run.child.kill(); rmSync(dir, { recursive: true, force: true }); });
  await waitFor(() => run.output().includes(`▶ ${file}`) || undefined, { timeoutMs: 20_000, what: 'the start line' });
  assert.doesNotMatch(run.output(), /waits/, 'no result yet: the file is still running');
  writeFileSync(go, '');
  assert.equal(await run.exited, 0);
  assert.match(run.output(), /✔ waits/);
  assert.match(run.output(), /ℹ pass 1/);
});

test('a failing test still fails the run, with the summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ike-test-starts-'));
  const file = join(dir, 'fails.test.mjs');
  writeFileSync(file, `import { test } from 'node:test'; test('fails', () => { throw new Error('boom'); });\n`);
  const run = runTests([file]);
  t.after(() => { run.child.kill(); rmSync(dir, { recursive: true, force: true }); });
  assert.equal(await run.exited, 1);
  assert.ok(run.output().startsWith(`▶ ${file}\n`), run.output());
  assert.match(run.output(), /ℹ fail 1/);
});
