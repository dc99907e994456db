// Unit tests for npm run steps and its step-script API (scripts/steps.ts, scripts/steps/lib.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { display, ours } from '../../../scripts/steps/lib.ts';
import { repoRoot } from '../../../src/workbook/checkpoint.ts';
import chapters, { plannedChapters } from '../../../book.config.ts';

// The first two planned chapters and the last written one, as book.config.ts has them now.
const [next, after] = plannedChapters;
const lastWritten = chapters.at(-1)!;

function steps(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/steps.ts'), ...args], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

test('an unknown chapter is refused with the list of chapters', async () => {
  const r = await steps('no-such-chapter');
  assert.equal(r.code, 2);
  assert.match(r.out, /no chapter "no-such-chapter"; the chapters are:/);
  assert.match(r.out, /\b1 {2}pods\b/);
});

test('a planned chapter is refused as planned, by npm run steps and npm run chapter alike', async () => {
  const r = await steps(String(next!.number));
  assert.equal(r.code, 2);
  assert.match(r.out, new RegExp(`^chapter ${next!.number} \\(${next!.slug}\\) is planned, not written yet;`));
  const c = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/chapter.ts'), after!.slug], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
  assert.equal(c.code, 2);
  assert.match(c.out, new RegExp(`^chapter ${after!.number} \\(${after!.slug}\\) is planned, not written yet;[\\s\\S]*${lastWritten.number} {2}${lastWritten.slug}`));
  assert.doesNotMatch(c.out, /Starting checkpoint/);
});

test('no argument prints the usage and the chapters', async () => {
  const r = await steps();
  assert.equal(r.code, 2);
  assert.match(r.out, /usage: npm run steps <number\|slug>/);
});

test('commands are shown as a reader would type them', () => {
  assert.equal(display(['kubectl', 'exec', 'web', '--', 'sh', '-c', "echo it's; exit 3"]), "kubectl exec web -- sh -c 'echo it'\\''s; exit 3'");
  assert.equal(display('echo hi | kubectl exec -i web -- cat'), 'echo hi | kubectl exec -i web -- cat');
  assert.deepEqual(ours('get', 'po'), ['npm', 'run', '-s', 'kubectl', '--', 'get', 'po']);
});

// A step script of our own, run as npm run steps runs one: node with tsx, in the repository root.
function stepScript(body: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ike-steps-'));
  const file = join(dir, 'walk.mts'); // .mts: ESM (top-level await) outside our package.json
  writeFileSync(file, `import { step, waitUntil } from ${JSON.stringify(join(repoRoot, 'scripts/steps/lib.ts'))};\n${body}\n`);
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

test('a step that fails stops the walk, names the step and exits 1; a step that shows an error on purpose says so', async () => {
  const r = await stepScript(`await step('passes', ['true']);
await step('shows an error on purpose', ['false'], { expectExit: 1 });
await step('breaks', ['sh', '-c', 'exit 3']);
await step('never runs', ['echo', 'NEVER']);`);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /steps: failed: step 3 \(breaks\) exited 3, expected 0: \$ sh -c 'exit 3'/);
  assert.doesNotMatch(r.out, /NEVER/);
});

test('a wait that times out fails the walk, saying what it waited for and what it saw last', async () => {
  const r = await stepScript(`await step('first', ['true']);
await waitUntil('the answer is yes', ['echo', 'no'], (out) => out.trim() === 'yes', 500);`);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /steps: failed: after step 1 \(first\): the answer is yes did not happen within 0\.5 s; \$ echo no last printed: no/);
});

test('a walk whose steps all pass exits 0', async () => {
  const r = await stepScript(`await step('passes', ['true']);\nawait step('shows an error', ['false'], { expectExit: 1 });`);
  assert.equal(r.code, 0, r.out);
});
