// Unit tests for npm run steps and its step-script API (scripts/steps.ts, scripts/steps/lib.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { display, ours } from '../../../scripts/steps/lib.ts';
import { repoRoot } from '../../../src/workbook/checkpoint.ts';

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
  const r = await steps('6');
  assert.equal(r.code, 2);
  assert.match(r.out, /^chapter 6 \(engine\) is planned, not written yet;/);
  const c = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/chapter.ts'), 'tty'], { cwd: repoRoot, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
  assert.equal(c.code, 2);
  assert.match(c.out, /^chapter 7 \(tty\) is planned, not written yet;[\s\S]*5 {2}streaming/);
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
