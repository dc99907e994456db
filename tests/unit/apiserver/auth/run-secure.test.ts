// The security flags end to end in a process: --token-auth-file, --anonymous-auth, --authorization-mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../../../src/util/wait.ts';

const entry = 'tests/fixtures/secure-apiserver.ts';

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

test('a secured API server process: tokens from --token-auth-file, anonymous off, RBAC bootstrapped; SIGTERM ends it', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'apiserver-secure-'));
  writeFileSync(join(state, 'tokens.csv'), 'admin-token,admin,1,"system:masters"\nalice-token,alice,2\n', { mode: 0o600 });
  const p = run(['--name=apiserver', `--state-dir=${state}`, '--port=0', `--token-auth-file=${join(state, 'tokens.csv')}`, '--anonymous-auth=false', '--authorization-mode=RBAC']);
  t.after(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) { try { process.kill(-p.child.pid!, 'SIGKILL'); } catch { /* gone */ } await p.exited; }
    rmSync(state, { recursive: true, force: true });
  });
  const file = join(state, 'apiserver.ready.json');
  const { url } = await waitFor(() => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')) as { url: string },
    { what: 'the announcement', timeoutMs: 60_000 });
  const get = (path: string, token?: string) => fetch(url + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  assert.equal((await get('/healthz')).status, 401, 'anonymous is off');
  assert.equal((await get('/healthz', 'alice-token')).status, 200);
  assert.equal((await get('/api/v1/namespaces/default/pods', 'alice-token')).status, 403);
  assert.equal((await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin', 'admin-token')).status, 200, 'bootstrapped before the announcement');
  p.child.kill('SIGTERM');
  assert.deepEqual(await p.exited, { code: 0, signal: null });
});

test('a bad security flag stops the process with an error that names it', async () => {
  const p = run(['--name=apiserver', '--state-dir=/tmp/never-used', '--authorization-mode=AlwaysAllow']);
  assert.notEqual((await p.exited).code, 0);
  assert.match(p.output(), /--authorization-mode: only RBAC is served here/);
  const q = run(['--name=apiserver', '--state-dir=/tmp/never-used', '--token-auth-file=/nonexistent/tokens.csv']);
  assert.notEqual((await q.exited).code, 0);
  assert.match(q.output(), /ENOENT.*\/nonexistent\/tokens.csv/);
});
