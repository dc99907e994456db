// Real containers' limits and ends (root only): over the memory limit is an OOM kill (137, OOMKilled), the pids
// limit refuses forks, and nothing is left behind (processes, cgroups, mounts, records) after a stop, or after the
// engine process is SIGKILLed and the next one runs recover, even for an init running as another user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNamespaceBackend } from '../../../src/engine/linux/backend.ts';
import { cgroupLayout } from '../../../src/engine/linux/cgroups.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { anyExists, cgroupDirs, collect, containerSpec, engine, processesMentioning, processSpec, skipNamespaces } from './ns-helpers.ts';

const skip = skipNamespaces;
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

test('over its memory limit the container is OOM-killed: 137, SIGKILL, oomKilled', { skip: skip || (!cgroupLayout().memory && 'no writable memory cgroup here') }, async (t) => {
  const e = engine(t);
  // busybox tail keeps the last "line" of /dev/zero, which never ends: it grows until the limit.
  const c = await e.backend.start(containerSpec(e, await e.image('busybox'), { argv: ['tail', '/dev/zero'], limits: { memoryBytes: 32 << 20 } }));
  void collect(c.stdout); void collect(c.stderr);
  assert.deepEqual(await c.exited, { exitCode: 137, signal: 'SIGKILL', oomKilled: true });
});

test('the pids limit refuses forks beyond it, execs included', { skip: skip || (!cgroupLayout().pids && 'no writable pids cgroup here') }, async (t) => {
  const e = engine(t);
  const c = await e.backend.start(containerSpec(e, await e.image('busybox'), { argv: ['sleep', '1000'], limits: { pidsMax: 4 } }));
  void collect(c.stdout); void collect(c.stderr);
  const x = await e.backend.exec(c, processSpec(['sh', '-c', 'n=0; for i in 1 2 3 4 5 6; do sleep 100 >/dev/null 2>&1 & n=$((n+1)); done; echo started $n']));
  const [out, err] = await Promise.all([collect(x.stdout), collect(x.stderr), x.exited]);
  // sleep (1) + the exec's shell (1) + two sleeps = 4: the third fork fails
  assert.match(err, /can't fork/, err);
  assert.doesNotMatch(out, /started 6/);
  c.kill('SIGKILL');
  await c.exited;
});

test('after a stop and cleanup: no process, cgroup, mount or record of the container remains', { skip, timeout: 60_000 }, async (t) => {
  const e = engine(t);
  const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
  const spec = containerSpec(e, await e.image('nginx'));
  const c = await e.backend.start(spec);
  void collect(c.stdout); void collect(c.stderr);
  const x = await e.backend.exec(c, processSpec(['sleep', '1000']));
  void collect(x.stdout); void collect(x.stderr);
  assert.ok(processesMentioning(spec.dir).length > 0, 'the container runs');
  assert.ok(anyExists(cgroupDirs(spec.id)).length > 0, 'it has cgroups');
  c.kill('SIGTERM');
  await c.exited;
  await x.exited;
  await e.backend.cleanup(spec);
  assert.deepEqual(processesMentioning(spec.dir), []);
  assert.deepEqual(processesMentioning(`container-watchdog`).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(String(c.pid))), []);
  assert.deepEqual(anyExists(cgroupDirs(spec.id)), []);
  assert.deepEqual(readdirSync(join(e.root, 'namespaces')), []);
  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore, 'the host\'s mount table is as it was');
  assert.ok(existsSync(join(spec.dir, 'upper', 'etc', 'hostname')), 'the container\'s own layer stays until it is removed');
});

// An engine in a process of its own: starts three containers (root, nobody, a pause sandbox), prints them, waits.
const ownerScript = (root: string) => `
import { createNamespaceBackend } from ${JSON.stringify(new URL('../../../src/engine/linux/backend.ts', import.meta.url).href)};
import { createImageStore } from ${JSON.stringify(new URL('../../../src/engine/images/store.ts', import.meta.url).href)};
import { containerSpec } from ${JSON.stringify(new URL('./ns-helpers.ts', import.meta.url).href)};
const e = { root: ${JSON.stringify(root)} };
const store = createImageStore();
const backend = createNamespaceBackend({ root: e.root });
const out = [];
for (const [image, over] of [['busybox', { argv: ['sleep', '1000'] }], ['busybox', { argv: ['sleep', '1000'], user: 'nobody' }], ['pause', {}]]) {
  const spec = containerSpec(e, await store.pull(image), over);
  const c = await backend.start(spec);
  c.stdout.resume(); c.stderr.resume();
  out.push({ id: spec.id, dir: spec.dir, pid: c.pid });
}
console.log(JSON.stringify(out));
setInterval(() => {}, 1 << 30);
`;

test('the engine SIGKILLed: its containers die with it (the nobody one too), and recover leaves nothing', { skip, timeout: 60_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ns-owner-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ownerScript(root)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => owner.kill('SIGKILL'));
  let text = '';
  owner.stdout.setEncoding('utf8');
  owner.stdout.on('data', (d: string) => { text += d; });
  const started = await waitFor(() => (text.includes('\n') ? JSON.parse(text) as { id: string; dir: string; pid: number }[] : undefined),
    { timeoutMs: 30_000, what: 'the owner to start its containers' });
  assert.equal(started.length, 3);
  for (const c of started) assert.ok(alive(c.pid), `container ${c.id.slice(0, 12)} runs`);
  assert.notEqual(readFileSync(`/proc/${started[1]!.pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1], '0');

  owner.kill('SIGKILL');
  await waitFor(() => started.every((c) => !alive(c.pid)), { timeoutMs: 10_000, what: 'every container\'s init to die with the engine' });
  await waitFor(() => started.every((c) => processesMentioning(c.dir).length === 0), { timeoutMs: 10_000, what: 'every process of the containers to go' });
  // What only recover can clean: cgroups and the records.
  assert.equal(readdirSync(join(root, 'namespaces')).length, 3);
  const backend = createNamespaceBackend({ root });
  await backend.recover(root);
  for (const c of started) assert.deepEqual(anyExists(cgroupDirs(c.id)), [], `cgroups of ${c.id.slice(0, 12)}`);
  assert.deepEqual(readdirSync(join(root, 'namespaces')), []);
  assert.deepEqual(processesMentioning('container-watchdog').filter((p) => started.some((c) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(String(c.pid)))), []);
  await backend.close();
});

test('recover kills what a dead engine left running (an init that outlived it)', { skip, timeout: 60_000 }, async (t) => {
  const e = engine(t);
  const spec = containerSpec(e, await e.image('busybox'), { argv: ['sleep', '1000'], user: 'nobody' });
  const c = await e.backend.start(spec);
  void collect(c.stdout); void collect(c.stderr);
  // A second engine over the same folder (the first one's process "died" without cleaning up): recover ends it.
  await createNamespaceBackend({ root: e.root }).recover(e.root);
  assert.deepEqual(await c.exited, { exitCode: 137, signal: 'SIGKILL' });
  assert.deepEqual(anyExists(cgroupDirs(spec.id)), []);
  assert.deepEqual(processesMentioning(spec.dir), []);
});

test('recover also sweeps container cgroups no record names: empty and older than a minute only', { skip: skip || (!cgroupLayout().pids && 'no writable pids cgroup here') }, async (t) => {
  const e = engine(t);
  const parent = cgroupLayout().pids!.dir;
  const [old, fresh, busy] = [0, 1, 2].map(() => join(parent, randomBytes(32).toString('hex'))) as [string, string, string];
  for (const d of [old, fresh, busy]) mkdirSync(d, { recursive: true });
  const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
  t.after(() => { sleeper.kill('SIGKILL'); for (const d of [old, fresh, busy]) { try { rmdirSync(d); } catch { /* swept */ } } });
  writeFileSync(join(busy, 'cgroup.procs'), String(sleeper.pid));
  const longAgo = new Date(Date.now() - 120_000);
  for (const d of [old, busy]) utimesSync(d, longAgo, longAgo);
  await e.backend.recover(e.root);
  assert.equal(existsSync(old), false, 'an old empty cgroup is removed');
  assert.equal(existsSync(fresh), true, 'a new one may be a container starting');
  assert.equal(existsSync(busy), true, 'one with a process is in use');
  sleeper.kill('SIGKILL');
  await new Promise((r) => sleeper.once('exit', r));
});
