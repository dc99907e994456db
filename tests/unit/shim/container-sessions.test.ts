// Everything a container or an exec in it starts ends with the container: when it is stopped, when its main process
// exits, and, from the records on disk, when a restarted runtime finds what a killed one left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ProcessRuntime } from '../../../src/shim/process-runtime.ts';
import { ProcessExecutor } from '../../../src/shim/process-executor.ts';
import { ContainerSessions, killSession, recordedMembers, startTimeOf } from '../../../src/exec/process-groups.ts';
import { waitFor } from '../../../src/util/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'sessions-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const pidsWith = (marker: string): number[] => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === marker; } catch { return false; }
}).map(Number);
let n = 0;
const marker = () => `${1000 + Math.floor(Math.random() * 1000)}.${process.pid}${n++}`; // a unique `sleep` argument
const gone = (m: string) => waitFor(() => pidsWith(`sleep ${m}`).length === 0, { timeoutMs: 5000, what: `sleep ${m} to be killed` });
const sink = () => new Writable({ write(_c, _e, cb) { cb(); } });

function setup(name: string) {
  const runtime = new ProcessRuntime(join(dir, name));
  const sb = runtime.runPodSandbox({ metadata: { name: 'p', namespace: 'default', uid: 'u', attempt: 0 } });
  const executor = new ProcessExecutor((id) => {
    const c = runtime.runningContainer(id);
    return { cwd: c.workingDir, env: c.env, track: (pid) => runtime.sessions(c).add(pid) };
  }, 'test');
  // Runs `script` in the container and returns once it has exited, leaving its background jobs behind.
  const exec = (id: string, script: string) => executor.execInContainer({ container: id, cmd: ['sh', '-c', script] }, { stdout: sink(), stderr: sink(), tty: false }, new AbortController().signal);
  return { runtime, sb, exec };
}

test('an exec\'s background jobs, job-control groups included, end when the container is stopped', async (t) => {
  const { runtime, sb, exec } = setup('stop');
  t.after(() => runtime.close());
  const id = runtime.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' } });
  await runtime.startContainer(id);
  const [a, b] = [marker(), marker()];
  await exec(id, `sleep ${a} >/dev/null 2>&1 &`);
  await exec(id, `set -m; sleep ${b} >/dev/null 2>&1 &`); // a process group of its own, in the exec's session
  await waitFor(() => pidsWith(`sleep ${a}`).length === 1 && pidsWith(`sleep ${b}`).length === 1, { what: 'the background sleeps to run' });
  await runtime.stopContainer(id, 0);
  await gone(a);
  await gone(b);
});

test('what the main process started ends when it exits', async (t) => {
  const { runtime, sb } = setup('exit');
  t.after(() => runtime.close());
  const m = marker();
  const id = runtime.createContainer(sb, { metadata: { name: 'job', attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', `sleep ${m} >/dev/null 2>&1 & sleep 0.3; exit 0`] });
  await runtime.startContainer(id);
  await waitFor(() => pidsWith(`sleep ${m}`).length === 1, { what: 'the background sleep to run' });
  await waitFor(() => runtime.container(id).state === 'CONTAINER_EXITED', { what: 'the container to exit' });
  await gone(m);
});

test('a restarted runtime ends the sessions a killed one recorded', async (t) => {
  const { runtime, sb, exec } = setup('restart');
  const id = runtime.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' } });
  await runtime.startContainer(id);
  const m = marker();
  await exec(id, `sleep ${m} >/dev/null 2>&1 &`);
  await waitFor(() => pidsWith(`sleep ${m}`).length === 1, { what: 'the background sleep to run' });
  // A crash, as far as the records know: a new runtime over the same folder, the old one never stopped.
  const successor = new ProcessRuntime(join(dir, 'restart'));
  t.after(async () => { await successor.close(); await runtime.close(); });
  await gone(m);
  assert.equal(successor.container(id).state, 'CONTAINER_EXITED');
});

test('a recorded session whose leader pid now names another process is left alone', async (t) => {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  const start = startTimeOf(child.pid!);
  assert.ok(start > 0);
  killSession({ sid: child.pid!, start: start - 1 }); // recorded for an earlier process with the same pid
  assert.doesNotThrow(() => process.kill(child.pid!, 0), 'the newer process lives');
  const sessions = new ContainerSessions(join(dir, 'late'));
  sessions.open();
  sessions.end();
  sessions.add(child.pid!); // an exec that raced the container's end is killed, not recorded
  await waitFor(() => child.exitCode !== null || child.signalCode !== null, { what: 'the late session to be killed' });
});

test('recordedMembers: every live process of the recorded sessions (a leader\'s background job too), nothing else', async (t) => {
  const sessions = new ContainerSessions(join(dir, 'members'));
  sessions.open();
  t.after(() => sessions.end());
  const [a, b, outside] = [marker(), marker(), marker()];
  const leader = spawn('sh', ['-c', `sleep ${a} & exec sleep ${b}`], { detached: true, stdio: 'ignore' });
  const stranger = spawn('sleep', [outside], { stdio: 'ignore' });
  t.after(() => { stranger.kill('SIGKILL'); });
  await waitFor(() => pidsWith(`sleep ${a}`).length === 1 && pidsWith(`sleep ${b}`).length === 1, { what: 'both sleeps to run' });
  sessions.add(leader.pid!);
  const expected = [...pidsWith(`sleep ${a}`), leader.pid!].sort((x, y) => x - y);
  assert.deepEqual(recordedMembers(sessions.dir), expected);
  assert.ok(!recordedMembers(sessions.dir).includes(stranger.pid!));
  sessions.end();
  await gone(a);
  assert.deepEqual(recordedMembers(sessions.dir), []);
});
