import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startComponent, stopProcessTree, descendants } from '../../../src/workbook/supervisor.ts';
import { repoRoot, substitute, findChapter } from '../../../src/workbook/checkpoint.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { plannedChapters } from '../../../book.config.ts';

const [next, after] = plannedChapters;

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const spec = (name: string) => ({ name, entry: 'tests/fixtures/component.ts', probe: 'http' as const });

test('a component is ready only after announcing and answering /healthz, and stops with its descendants', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'sup-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const proc = await startComponent(spec('c1'), { repoRoot, stateDir, args: ['--orphan=1'], log: (l) => lines.push(l) });
  t.after(() => stopProcessTree(proc.child, proc.exited, 500));
  assert.match(proc.announcement.url!, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${proc.announcement.url}/healthz`);
  assert.equal(await res.text(), 'ok');
  const orphan = Number(/orphan pid (\d+)/.exec((await waitFor(() => lines.find((l) => l.includes('orphan pid')))))![1]);
  assert.ok(descendants(proc.child.pid!).includes(orphan));
  assert.ok(lines.some((l) => l === '[c1] ready'), 'logs are prefixed with the component name');
  await stopProcessTree(proc.child, proc.exited);
  await waitFor(() => !alive(orphan), { what: 'the detached grandchild to be killed' });
});

test('a component that exits before announcing fails fast with its last log lines', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'sup-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  await assert.rejects(
    startComponent(spec('c2'), { repoRoot, stateDir, args: ['--fail=1'], log: () => {} }),
    /c2 exited before it was ready:[\s\S]*failing on purpose/,
  );
});

test('a component that ignores SIGTERM is killed after the grace period', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'sup-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const proc = await startComponent(spec('c3'), { repoRoot, stateDir, args: ['--ignore-term=1'], log: () => {} });
  await stopProcessTree(proc.child, proc.exited, 300);
  assert.equal(alive(proc.child.pid!), false);
});

test('args substitute ${state} and earlier announcements, and name what is missing', () => {
  const a = { apiserver: { name: 'apiserver', pid: 1, url: 'http://127.0.0.1:5' } };
  assert.equal(substitute('--apiserver=${apiserver.url}', '/s', a), '--apiserver=http://127.0.0.1:5');
  assert.equal(substitute('--dir=${state}/x', '/s', a), '--dir=/s/x');
  assert.throws(() => substitute('${shim.socket}', '/s', a), /shim\.socket/);
});

test('chapters are found by number or slug, and an unknown one lists them', () => {
  assert.equal(findChapter('1').slug, 'pods');
  assert.equal(findChapter(2).slug, 'exec-subresource');
  assert.equal(findChapter('pods').number, 1);
  assert.throws(() => findChapter('99'), new RegExp(`no chapter "99"[\\s\\S]*pods[\\s\\S]*planned, not written yet: ${next!.number} ${next!.slug}, ${after!.number} ${after!.slug}`));
});

test('a planned chapter is named as planned, by number or slug, not as missing', () => {
  for (const ref of [String(next!.number), next!.slug]) {
    assert.throws(() => findChapter(ref), (err: Error) => {
      assert.match(err.message, new RegExp(`^chapter ${next!.number} \\(${next!.slug}\\) is planned, not written yet; the chapters written so far are:\\n {2}0 {2}map\\n`));
      assert.doesNotMatch(err.message, /no chapter/);
      return true;
    });
  }
});

test('a component stops itself, its normal shutdown, when its supervisor is killed with SIGKILL (the lifeline)', async (t) => {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const stateDir = mkdtempSync(join(tmpdir(), 'sup-'));
  const supervisor = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/supervisor.ts', stateDir, 'c4'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  supervisor.stdout!.on('data', (d) => { out += d; });
  let pid = 0;
  t.after(() => {
    supervisor.kill('SIGKILL');
    if (pid) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(stateDir, { recursive: true, force: true });
  });
  pid = Number((await waitFor(() => /component pid (\d+)/.exec(out), { timeoutMs: 30_000, what: 'the component to start' }))[1]);
  assert.ok(existsSync(join(stateDir, 'c4.ready.json')));
  supervisor.kill('SIGKILL');
  await waitFor(() => !alive(pid), { timeoutMs: 5000, what: 'the component to notice its supervisor is gone' });
  assert.equal(existsSync(join(stateDir, 'c4.ready.json')), false, 'it ran its shutdown (withdrew its announcement), not just died');
});
