// The shim's spawner process (chapter 5's execs): output delivered whole even when the command writes before its pipes
// reach the shim, stdin through, exit codes and signals exact, a missing command refused at once, and a shim killed
// with SIGKILL takes the helper and every process it started with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExecutableNotFound } from '../../../src/shim/spawn.ts';
import { Spawner, type SpawnedProcess } from '../../../src/shim/spawner.ts';
import { waitFor } from '../../../src/util/wait.ts';

const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };
function run(p: SpawnedProcess): Promise<{ out: Buffer; code: number | null; signal: NodeJS.Signals | null }> {
  const out: Buffer[] = [];
  return new Promise((ok, fail) => {
    p.once('error', fail);
    p.once('spawn', () => p.stdout?.on('data', (c: Buffer) => out.push(c)));
    p.once('close', (code, signal) => ok({ out: Buffer.concat(out), code, signal }));
  });
}

test('spawner: output whole, stdin through, exit codes and signals exact', async (t) => {
  const spawner = new Spawner();
  t.after(() => spawner.close());
  const pipes = { cwd: '/', env, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
  // Written at once, before the shim can have its end of the pipe: nothing may be lost on the way.
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => run(spawner.spawn(['echo', `hello ${i}`], pipes))));
  results.forEach((r, i) => assert.deepEqual([r.out.toString(), r.code], [`hello ${i}\n`, 0]));
  const big = await run(spawner.spawn(['head', '-c', '3000000', '/dev/urandom'], pipes));
  assert.equal(big.out.length, 3_000_000);
  assert.deepEqual((await run(spawner.spawn(['sh', '-c', 'exit 42'], pipes))).code, 42);
  assert.deepEqual((await run(spawner.spawn(['sh', '-c', 'kill -SEGV $$'], pipes))).signal, 'SIGSEGV');
  const cat = spawner.spawn(['sh', '-c', 'cat | sha256sum'], { cwd: '/', env, stdio: ['pipe', 'pipe', 'ignore'] });
  const done = run(cat);
  const input = Buffer.alloc(1_000_000, 7);
  await new Promise((ok) => cat.once('spawn', ok));
  cat.stdin!.end(input);
  const sum = await done;
  assert.equal(sum.out.toString().split(' ')[0], createHash('sha256').update(input).digest('hex'));
  assert.throws(() => spawner.spawn(['no-such-command'], pipes), (err: unknown) => err instanceof ExecutableNotFound);
});

test('spawner: a shim killed with SIGKILL takes its helper and what it started with it', async (t) => {
  const marker = `sleep ${100000 + Math.floor(Math.random() * 800000)}`;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { Spawner } from ${JSON.stringify(fileURLToPath(new URL('../../../src/shim/spawner.ts', import.meta.url)))};
    const p = new Spawner().spawn(${JSON.stringify(marker.split(' '))}, { cwd: '/', env: ${JSON.stringify(env)}, stdio: ['ignore', 'ignore', 'ignore'] });
    p.once('spawn', () => console.log(p.pid));`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => owner.kill('SIGKILL'));
  const pid = Number(await new Promise<string>((ok) => owner.stdout.once('data', (c: Buffer) => ok(c.toString()))));
  const alive = (n: number) => { try { process.kill(n, 0); return true; } catch { return false; } };
  // Once setpriv has exec'd the command, its parent-death signal is set (killed before that, the binding never
  // happens: setpriv's own race, as in the shim before the helper).
  const cmdline = () => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(); } catch { return ''; } };
  await waitFor(() => cmdline().endsWith(`/${marker}`), { timeoutMs: 10_000, intervalMs: 10, what: `${marker} to run` });
  owner.kill('SIGKILL');
  await waitFor(() => !alive(pid), { timeoutMs: 10_000, intervalMs: 20, what: `${marker} (pid ${pid}) to die with its shim` });
});
