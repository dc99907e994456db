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
import { RemoteRuntimeService } from '../../src/cri/remote-runtime.ts';

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

// Regression (issue 10): the signal handlers were installed only after the KUBECONFIG line, so a SIGTERM while the
// components started killed the runner outright (exit by signal, no "All stopped.", a stale lock).
test('SIGTERM while the checkpoint starts: it stops what it started, removes its lock and exits 0', async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'ike-run-'));
  const env: NodeJS.ProcessEnv = { ...process.env, WORKBOOK_RUN_DIR: runDir };
  delete env.KUBECONFIG;
  const r = startChapter('3', env);
  t.after(async () => {
    if (r.child.exitCode === null) { r.child.kill('SIGKILL'); await r.exit; }
    rmSync(runDir, { recursive: true, force: true });
  });
  const stateDir = join(runDir, 'nodes');
  // The first component has announced itself, and the others are still to come.
  await waitFor(() => existsSync(join(stateDir, 'apiserver.ready.json')), { timeoutMs: 60_000, what: 'the API server to announce itself' });
  const apiserver = (JSON.parse(readFileSync(join(stateDir, 'apiserver.ready.json'), 'utf8')) as { pid: number }).pid;
  r.child.kill('SIGTERM');
  assert.equal(await r.exit, 0, r.output());
  assert.match(r.output(), /SIGTERM: stopping checkpoint nodes\.\.\.[\s\S]*All stopped\./);
  await waitFor(() => !alive(apiserver), { what: 'the API server to be gone' });
  assert.equal(existsSync(join(stateDir, 'lock')), false, 'the lock is removed');
});

test('npm run chapter with an unknown chapter lists the chapters', async () => {
  const r = startChapter('nope', { ...process.env, WORKBOOK_RUN_DIR: tmpdir() });
  assert.equal(await r.exit, 2);
  assert.match(r.output(), /no chapter "nope"; the chapters are:[\s\S]*1\s+pods[\s\S]*5\s+streaming/);
});

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`killing npm with ${signal} (npm passes nothing on, and its sh -c lives on) still stops the checkpoint it started`, async (t) => {
    const runDir = mkdtempSync(join(tmpdir(), 'ike-run-'));
    t.after(() => rmSync(runDir, { recursive: true, force: true }));
    const npm = spawn('npm', ['run', 'chapter', '1'], { cwd: repoRoot, env: { ...process.env, WORKBOOK_RUN_DIR: runDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout!.on('data', (d) => { out += d; });
    const tree: number[] = [];
    t.after(() => { for (const p of [npm.pid!, ...tree]) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } } });
    await waitFor(() => out.includes('export KUBECONFIG='), { timeoutMs: 60_000, what: 'the checkpoint to be ready' });
    const stateDir = join(runDir, 'pods');
    const { pid } = JSON.parse(readFileSync(join(stateDir, 'apiserver.ready.json'), 'utf8')) as { pid: number };
    tree.push(pid, ...descendants(npm.pid!));
    npm.kill(signal);
    await waitFor(() => tree.every((p) => !alive(p)), { timeoutMs: 20_000, what: 'the chapter runner and the API server to stop' });
    assert.equal(existsSync(join(stateDir, 'lock')), false);
  });
}

test('kill -9 of the supervisor: every component shuts down (containers and exec\'d processes too), and the next start clears the rest', async (t) => {
  if (!await new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)))) return t.skip('the real kubectl is not on PATH');
  const runDir = mkdtempSync(join(tmpdir(), 'ike-run-'));
  const env: NodeJS.ProcessEnv = { ...process.env, WORKBOOK_RUN_DIR: runDir };
  delete env.KUBECONFIG;
  const stateDir = join(runDir, 'streaming');
  const leftovers: number[] = [];
  let second: ReturnType<typeof startChapter> | undefined;
  t.after(async () => {
    for (const p of leftovers) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    if (second && second.child.exitCode === null) { second.child.kill('SIGINT'); await second.exit; }
    rmSync(runDir, { recursive: true, force: true });
  });
  const first = startChapter('5', env);
  await waitFor(() => first.output().includes('export KUBECONFIG='), { timeoutMs: 90_000, what: 'the checkpoint to be ready' });
  const kenv = { ...env, KUBECONFIG: join(stateDir, 'kubeconfig'), KUBECACHEDIR: join(stateDir, 'kube-cache') };
  await run('kubectl', ['run', 'web', '--image=nginx'], { env: kenv });
  await waitFor(async () => (await run('kubectl', ['get', 'po', 'web', '-o', 'jsonpath={.status.phase}'], { env: kenv })).stdout === 'Running', { timeoutMs: 30_000, what: 'web Running' });
  const marker = `${1000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
  const exec = spawn('kubectl', ['exec', 'web', '--', 'sh', '-c', `sleep ${marker} & echo started; wait`], { env: kenv, stdio: 'ignore' });
  exec.on('error', () => {});
  t.after(() => exec.kill('SIGKILL'));
  const sleeper = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === `sleep ${marker}`; } catch { return false; }
  });
  const [sleep] = await waitFor(() => sleeper().length === 1 && sleeper(), { timeoutMs: 30_000, what: 'the exec\'s background sleep' });
  const pids = readdirSync(stateDir).filter((f) => f.endsWith('.ready.json'))
    .map((f) => (JSON.parse(readFileSync(join(stateDir, f), 'utf8')) as { pid: number }).pid);
  const everything = [...pids.flatMap((p) => [p, ...descendants(p)]), sleep!];
  leftovers.push(...everything);
  assert.ok(everything.length > pids.length + 1, 'the shims run containers');

  first.child.kill('SIGKILL');
  await waitFor(() => everything.every((p) => !alive(p)), { timeoutMs: 10_000, what: 'every component, container and exec\'d process to stop' });
  const left = readdirSync(stateDir);
  assert.deepEqual(left.filter((f) => f.endsWith('.sock') || f.endsWith('.ready.json')), ['supervisor.sock'], `a normal shutdown withdraws and removes these: ${left.join(', ')}`);
  assert.ok(left.includes('lock'), 'the dead supervisor could not remove its lock (nor its control socket)');

  // The next start: a new cluster, so last run's containers are not listed (crictl ps -a).
  second = startChapter('5', env);
  await waitFor(() => second!.output().includes('export KUBECONFIG='), { timeoutMs: 90_000, what: 'the checkpoint to start again' });
  for (const node of ['node-1', 'node-2']) {
    const socket = (JSON.parse(readFileSync(join(stateDir, `shim-${node}.ready.json`), 'utf8')) as { socket: string }).socket;
    const rt = new RemoteRuntimeService(`unix://${socket}`, { hop: 'test' });
    try {
      assert.deepEqual(await rt.listContainers({}), [], `shim-${node} lists last run's containers`);
      assert.deepEqual(await rt.listPodSandbox({}), []);
    } finally { rt.close(); }
  }
  second.child.kill('SIGINT');
  assert.equal(await second.exit, 0);
});
