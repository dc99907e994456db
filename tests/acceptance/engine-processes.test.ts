// The engine's fallback, containers as host processes (--isolation=processes): the same API, said loudly, and
// nothing a container started outliving it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dockerCLI, docker, startTestEngine, type TestEngine } from '../fixtures/engine.ts';
import { waitFor } from '../../src/util/wait.ts';

const skip = dockerCLI ? false : 'the docker CLI is not installed';
let engine: TestEngine;
const d = (...args: string[]) => docker(engine, args);
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

before(async () => {
  if (skip) return;
  engine = await startTestEngine({ args: ['--isolation=processes'] });
  assert.equal((await d('pull', 'busybox')).code, 0);
});
after(async () => { await engine?.stop(); });

test('said loudly: at start and in docker info', { skip }, async () => {
  assert.match(engine.output(), /WARNING: NO ISOLATION: containers are host processes/);
  const info = await d('info');
  assert.match(info.stdout + info.stderr, /WARNING: no isolation: containers are host processes/);
  assert.match((await d('info', '--format', '{{.DefaultRuntime}}')).stdout, /^processes$/m);
});

test('run, exec with stdin, exit codes, logs', { skip }, async () => {
  const r = await d('run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 5');
  assert.deepEqual([r.code, r.stdout, r.stderr], [5, 'out\n', 'err\n']);
  await d('run', '-d', '--name', 'host-proc', 'busybox', 'sleep', '1000');
  const i = await docker(engine, ['exec', '-i', 'host-proc', 'cat'], 'piped\n');
  assert.deepEqual([i.code, i.stdout], [0, 'piped\n']);
  assert.equal((await d('exec', 'host-proc', 'sh', '-c', 'kill -TERM $$')).code, 143);
  await d('rm', '-f', 'host-proc');
});

test('what a container and its execs start in the background ends with the container', { skip }, async () => {
  await d('run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', 'sleep 1000 & echo $! > bg.pid; wait');
  await d('exec', '-d', 'bg', 'sh', '-c', 'sleep 1001 & echo $! > exec.pid; wait');
  const pids = await waitFor(async () => {
    const r = await d('exec', 'bg', 'cat', 'bg.pid', 'exec.pid');
    const ps = r.stdout.trim().split('\n').map(Number);
    return ps.length === 2 && ps.every((p) => p > 0) && ps;
  }, { what: 'both background processes' });
  assert.ok(pids.every(alive));
  assert.equal((await d('stop', '-t', '1', 'bg')).code, 0);
  await waitFor(() => pids.every((p) => !alive(p)), { what: 'the background processes to end' });
  await d('rm', 'bg');
});

test('terminals over host processes: exec -t and run -t get a pty (node-pty), 80x24 until sized, exit codes', { skip }, async () => {
  await d('run', '-d', '--name', 'host-tty', 'busybox', 'sleep', '1000');
  const x = await d('exec', '-t', 'host-tty', 'sh', '-c', 'test -t 0 && test -t 1 && echo tty; stty size; echo err >&2; exit 6');
  assert.deepEqual([x.code, x.stdout, x.stderr], [6, 'tty\r\n24 80\r\nerr\r\n', '']);
  const r = await d('run', '-t', '--rm', 'busybox', 'sh', '-c', 'test -t 0 && echo tty; exit 4');
  assert.deepEqual([r.code, r.stdout], [4, 'tty\r\n']);
  await d('rm', '-f', 'host-tty');
});
