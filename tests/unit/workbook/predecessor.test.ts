// A new start in a state folder that a hard-killed run left behind: the processes its records name are ended (pid
// reuse guarded by start times), and its files go (a shim's container records would otherwise be listed again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckpoint } from '../../../src/workbook/checkpoint.ts';
import { startTimeOf } from '../../../src/exec/process-groups.ts';
import { waitFor } from '../../../src/util/wait.ts';

test('a new start ends what its predecessor\'s records name, spares a reused pid, and clears the folder', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'ike-pred-'));
  const orphan = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const bystander = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  t.after(() => { orphan.kill('SIGKILL'); bystander.kill('SIGKILL'); rmSync(stateDir, { recursive: true, force: true }); });
  await Promise.all([orphan, bystander].map((c) => new Promise((r) => c.once('spawn', r))));
  // What a SIGKILLed shim left: a container's record and the sessions of its processes.
  const container = join(stateDir, 'shim-node-1', 'containers', 'abc');
  mkdirSync(join(container, 'sessions'), { recursive: true });
  writeFileSync(join(container, 'container.json'), '{}');
  writeFileSync(join(container, 'sessions', `${orphan.pid}-${startTimeOf(orphan.pid!)}`), '');
  writeFileSync(join(container, 'sessions', `${bystander.pid}-${startTimeOf(bystander.pid!) - 1}`), ''); // an older process with its pid
  writeFileSync(join(stateDir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 1, slug: 'pods' })); // its supervisor is gone
  writeFileSync(join(stateDir, 'apiserver.ready.json'), '{"pid":1}');

  const cp = await startCheckpoint('pods', { stateDir });
  t.after(() => cp.stop());
  await waitFor(() => orphan.exitCode !== null || orphan.signalCode !== null, { what: 'the recorded orphan to be killed' });
  assert.equal(orphan.signalCode, 'SIGKILL');
  assert.equal(bystander.exitCode === null && bystander.signalCode === null, true, 'a pid that names a newer process is left alone');
  assert.equal(existsSync(join(stateDir, 'shim-node-1')), false, 'last run\'s container records are gone');
  assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith('.ready.json')), ['apiserver.ready.json']);
  assert.notEqual(cp.announcements.apiserver!.pid, 1);
});
