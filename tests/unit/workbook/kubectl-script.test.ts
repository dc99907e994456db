// Unit test for `npm run kubectl` (scripts/kubectl.ts): which running checkpoint it points our kubectl at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../src/workbook/checkpoint.ts';

function kubectl(runDir: string): Promise<{ code: number; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, WORKBOOK_RUN_DIR: runDir };
  delete env.KUBECONFIG;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/kubectl.ts'), 'get', 'po'], { cwd: repoRoot, env, timeout: 30_000 }, (err, _out, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

// A checkpoint "runs" while the pid in its lock lives; its kubeconfig points at a closed port, so kubectl fails fast.
function fakeCheckpoint(runDir: string, slug: string, pid: number, mtime: number): void {
  const dir = join(runDir, slug);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kubeconfig'), `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]\n`
    + `users: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
  writeFileSync(join(dir, 'lock'), JSON.stringify({ pid, slug }));
  utimesSync(join(dir, 'lock'), mtime, mtime);
}

test('with two checkpoints running, npm run kubectl says on stderr which one it uses and how to pick the other', async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'ike-kubectl-'));
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => { other.kill(); rmSync(runDir, { recursive: true, force: true }); });
  fakeCheckpoint(runDir, 'nodes', other.pid!, 1_000);
  fakeCheckpoint(runDir, 'streaming', process.pid, 2_000);
  const r = await kubectl(runDir);
  const [first] = r.stderr.split('\n');
  assert.equal(first, `kubectl: 2 checkpoints are running; using the newest, "streaming"; for "nodes" (KUBECONFIG=${join(runDir, 'nodes', 'kubeconfig')}) set KUBECONFIG`);
});

test('with one checkpoint running, npm run kubectl says nothing about the choice', async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'ike-kubectl-'));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  fakeCheckpoint(runDir, 'streaming', process.pid, 2_000);
  const r = await kubectl(runDir);
  assert.doesNotMatch(r.stderr, /checkpoints are running/);
  assert.match(r.stderr, /127\.0\.0\.1:1/, 'it used the running checkpoint\'s kubeconfig');
});
