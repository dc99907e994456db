// ExecSync's output caps and timeout: a chatty command keeps the first bytes and still exits normally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { execSync, MAX_EXEC_SYNC_OUTPUT } from '../../../src/shim/exec-sync.ts';
import { GrpcCode } from '../../../src/cri/grpc-status.ts';

const spec = { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };

test('each output is capped, the rest discarded, and the exit code kept', async () => {
  const r = await execSync(spec, ['sh', '-c', 'head -c 100000 /dev/zero; head -c 5000 /dev/zero >&2; exit 2'], 0, 1000);
  assert.equal(r.stdout.length, 1000);
  assert.equal(r.stderr.length, 1000);
  assert.equal(r.exitCode, 2);
  assert.equal(MAX_EXEC_SYNC_OUTPUT, 16 * 1024 * 1024);
});

test('a timeout kills the command and is DEADLINE_EXCEEDED', async () => {
  await assert.rejects(execSync(spec, ['sleep', '30'], 1), (err: Error & { code?: number }) => err.code === GrpcCode.DEADLINE_EXCEEDED && /timed out after 1s/.test(err.message));
});

test('a missing command is the runtime\'s error, not an exit code', async () => {
  await assert.rejects(execSync(spec, ['no-such-command-zz'], 0), /exec: "no-such-command-zz": executable file not found in \$PATH/);
  await assert.rejects(execSync(spec, ['./nope'], 0), /executable file not found/);
});
