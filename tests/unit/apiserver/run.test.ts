import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../../src/util/wait.ts';

const entry = 'src/checkpoints/pods/apiserver.ts';

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

test('the API server process announces its URL, serves, and on SIGTERM withdraws the announcement and exits 0', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'apiserver-run-'));
  const p = run(['--name=apiserver', `--state-dir=${state}`, '--port=0']);
  t.after(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) { try { process.kill(-p.child.pid!, 'SIGKILL'); } catch { /* gone */ } await p.exited; }
    rmSync(state, { recursive: true, force: true });
  });
  const file = join(state, 'apiserver.ready.json');
  const info = await waitFor(() => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')) as { url: string; pid: number; name: string },
    { what: 'the announcement', timeoutMs: 30_000 });
  assert.equal(info.name, 'apiserver');
  assert.equal(info.pid, p.child.pid);
  assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await (await fetch(`${info.url}/readyz`)).text(), 'ok');
  p.child.kill('SIGTERM');
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  assert.equal(existsSync(file), false, 'the announcement is withdrawn');
  await assert.rejects(fetch(`${info.url}/healthz`), 'the port is closed');
});

test('an unknown flag stops the process with an error', async () => {
  const p = run(['--name=apiserver', '--state-dir=/tmp/never-used', '--bogus=1']);
  const { code } = await p.exited;
  assert.notEqual(code, 0);
  assert.match(p.output(), /bogus/);
});
