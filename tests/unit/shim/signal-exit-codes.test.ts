// Every fatal signal is exit code 128+n (n from this platform's numbers) in each executor and in a container's
// exit: a regression test for the six-entry table that reported SIGSEGV, SIGUSR1 and the rest as 128.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ProcessExecutor } from '../../../src/shim/process-executor.ts';
import { ProcessRuntime } from '../../../src/shim/process-runtime.ts';
import { execSync } from '../../../src/shim/exec-sync.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import type { Executor } from '../../../src/exec/executor.ts';
import { waitFor } from '../../../src/util/wait.ts';

// Signals whose default action ends the process (not those that are ignored or stop it), one name per number.
const NOT_FATAL = new Set(['SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGWINCH']);
const fatal = new Map<number, string>();
for (const [name, n] of Object.entries(constants.signals)) if (!NOT_FATAL.has(name) && !fatal.has(n)) fatal.set(n, name);

const dir = mkdtempSync(join(tmpdir(), 'signals-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const sink = () => new Writable({ write(_c, _e, cb) { cb(); } });

async function codes(executor: Executor, container: string): Promise<Map<number, [number, string | undefined]>> {
  const got = new Map<number, [number, string | undefined]>();
  await Promise.all([...fatal.keys()].map(async (n) => {
    const r = await executor.execInContainer({ container, cmd: ['sh', '-c', `kill -${n} $$`] }, { stdout: sink(), stderr: sink(), tty: false }, new AbortController().signal);
    got.set(n, [r.exitCode, r.signal]);
  }));
  return got;
}

function assertAll(got: Map<number, [number, string | undefined]>): void {
  for (const [n, name] of fatal) {
    const [code, sig] = got.get(n)!;
    assert.equal(code, 128 + n, `${name} (${n}) gave ${code}`);
    assert.equal(constants.signals[sig as NodeJS.Signals], n, `${name}: reported as ${sig}`);
  }
}

test('the shim\'s ProcessExecutor: 128+n for every fatal signal', async () => {
  assert.ok(fatal.size >= 20, `only ${fatal.size} signals known`);
  assertAll(await codes(new ProcessExecutor(() => ({ cwd: dir, env }), 'test'), 'c'));
});

test('the local executor (chapters 2 and 3): 128+n for every fatal signal', async () => {
  assertAll(await codes(new LocalExecutor({ env, hop: 'test' }), dir));
});

test('ExecSync: 128+n for every fatal signal', async () => {
  for (const [n, name] of fatal) {
    const r = await execSync({ cwd: dir, env }, ['sh', '-c', `kill -${n} $$`], 0);
    assert.equal(r.exitCode, 128 + n, `${name} (${n})`);
  }
});

test('a container killed by a signal exits 128+n (SIGSEGV 139, SIGUSR1 138, SIGABRT 134)', async (t) => {
  const runtime = new ProcessRuntime(join(dir, 'rt'));
  t.after(() => runtime.close());
  const sb = runtime.runPodSandbox({ metadata: { name: 'p', namespace: 'default', uid: 'u', attempt: 0 } });
  for (const [i, name] of ['SIGSEGV', 'SIGUSR1', 'SIGABRT', 'SIGALRM'].entries()) {
    const id = runtime.createContainer(sb, { metadata: { name: `c${i}`, attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', `kill -${name.slice(3)} $$`] });
    await runtime.startContainer(id);
    const c = await waitFor(() => runtime.container(id).state === 'CONTAINER_EXITED' && runtime.container(id), { what: `container ${name} to exit` });
    assert.equal(c.exitCode, 128 + constants.signals[name as NodeJS.Signals], name);
  }
});
