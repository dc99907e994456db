// `npm run chapter N` as a reader uses it: the summary and the KUBECONFIG line, our kubectl pointed at it by
// default, a second start refused, and Ctrl-C leaving no process, socket or lock behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import { descendants } from '../../src/workbook/supervisor.ts';
import { waitFor } from '../../src/util/wait.ts';

const run = promisify(execFile);
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

function startChapter(ref: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chapter.ts', ref], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

test('npm run chapter 5: starts, is found by our kubectl, refuses a second start, and Ctrl-C leaves nothing behind', async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'ike-run-'));
  const env: NodeJS.ProcessEnv = { ...process.env, WORKBOOK_RUN_DIR: runDir };
  delete env.KUBECONFIG;
  const first = startChapter('5', env);
  t.after(async () => {
    if (first.child.exitCode === null) { first.child.kill('SIGINT'); await first.exit; }
    rmSync(runDir, { recursive: true, force: true });
  });

  const line = await waitFor(() => /^export KUBECONFIG=(.+)$/m.exec(first.output()), { timeoutMs: 90_000, what: 'the export KUBECONFIG line' });
  const stateDir = join(runDir, 'streaming');
  assert.equal(line[1], join(stateDir, 'kubeconfig'));
  assert.match(first.output(), /Running:[\s\S]*apiserver\s+pid \d+\s+http:\/\/127\.0\.0\.1:\d+[\s\S]*kubelet-node-2/);

  // Our kubectl finds the running checkpoint without KUBECONFIG.
  const nodes = await run(process.execPath, ['--import', 'tsx', 'scripts/kubectl.ts', 'get', 'nodes'], { cwd: repoRoot, env });
  assert.match(nodes.stdout, /node-1\s+Ready/);
  assert.match(nodes.stdout, /node-2\s+Ready/);

  // A second start on the same state folder is refused, and the first keeps running.
  const second = startChapter('streaming', env);
  assert.equal(await second.exit, 1);
  assert.match(second.output(), /checkpoint "streaming" is already running in .* \(pid \d+\)/);
  assert.equal(first.child.exitCode, null);

  const pids = readdirSync(stateDir).filter((f) => f.endsWith('.ready.json'))
    .map((f) => (JSON.parse(readFileSync(join(stateDir, f), 'utf8')) as { pid: number }).pid);
  assert.equal(pids.length, 6, 'apiserver, scheduler, two shims, two kubelets');
  const everything = pids.flatMap((p) => [p, ...descendants(p)]);
  assert.ok(readdirSync(stateDir).some((f) => f.endsWith('.sock')), 'the shims listen on sockets in the state folder');

  first.child.kill('SIGINT');
  assert.equal(await first.exit, 0);
  assert.match(first.output(), /All stopped\./);
  await waitFor(() => everything.every((p) => !alive(p)), { what: 'every component and its descendants to be gone' });
  const left = readdirSync(stateDir);
  assert.deepEqual(left.filter((f) => f.endsWith('.sock') || f.endsWith('.ready.json') || f === 'lock'), [], `left behind: ${left.join(', ')}`);
  assert.ok(existsSync(join(stateDir, 'kubeconfig')), 'the kubeconfig stays, for reading');
});

test('npm run chapter with an unknown chapter lists the chapters', async () => {
  const r = startChapter('nope', { ...process.env, WORKBOOK_RUN_DIR: tmpdir() });
  assert.equal(await r.exit, 2);
  assert.match(r.output(), /no chapter "nope"; the chapters are:[\s\S]*1\s+pods[\s\S]*5\s+streaming/);
});

test('killing npm (which does not pass signals on) still stops the checkpoint it started', async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'ike-run-'));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  const npm = spawn('npm', ['run', 'chapter', '1'], { cwd: repoRoot, env: { ...process.env, WORKBOOK_RUN_DIR: runDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (d) => { out += d; });
  t.after(() => { try { process.kill(npm.pid!, 'SIGKILL'); } catch { /* gone */ } });
  await waitFor(() => out.includes('export KUBECONFIG='), { timeoutMs: 60_000, what: 'the checkpoint to be ready' });
  const stateDir = join(runDir, 'pods');
  const { pid } = JSON.parse(readFileSync(join(stateDir, 'apiserver.ready.json'), 'utf8')) as { pid: number };
  const tree = [pid, ...descendants(npm.pid!)];
  npm.kill('SIGTERM');
  await waitFor(() => tree.every((p) => !alive(p)), { timeoutMs: 20_000, what: 'the chapter runner and the API server to stop' });
  assert.equal(existsSync(join(stateDir, 'lock')), false);
});
