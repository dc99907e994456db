// NativeExecHandler and the Docker client against a test double of the engine: the create/start/inspect dance,
// demultiplexed output, stdin then CloseWrite, exit codes in cri-dockerd's words, abort, an engine that dies,
// version negotiation, ExecSync's caps and timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { DockerClient, DockerError } from '../../../src/dockershim/docker-client.ts';
import { execSyncThroughEngine, NativeExecHandler } from '../../../src/dockershim/exec.ts';
import { Libdocker } from '../../../src/dockershim/libdocker.ts';
import { GrpcCode } from '../../../src/cri/grpc-status.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { startFakeEngine, type FakeEngine } from '../../fixtures/fake-engine.ts';

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } }), text: () => Buffer.concat(chunks).toString() };
}

async function setup(t: import('node:test').TestContext, opts?: { apiVersion?: string; running?: boolean; killOnClose?: boolean }): Promise<{ engine: FakeEngine; docker: Libdocker; handler: NativeExecHandler }> {
  const dir = mkdtempSync(join(tmpdir(), 'dockershim-'));
  const engine = await startFakeEngine(join(dir, 'docker.sock'), opts);
  t.after(async () => { await engine.close(); rmSync(dir, { recursive: true, force: true }); });
  const client = new DockerClient(`unix://${engine.socket}`);
  if (!opts?.apiVersion) await client.negotiate();
  const docker = new Libdocker(client);
  return { engine, docker, handler: new NativeExecHandler(docker, { hop: 'runtime shim node-1', inspectIntervalMs: 20 }) };
}

test('version negotiation: the lower of ours and the engine\'s; an engine older than 1.42 is refused with a clear message', async (t) => {
  const { engine } = await setup(t);
  assert.equal(new URL(`http://x${engine.requests[0]!.split(' ')[1]}`).pathname, '/_ping');
  const c = new DockerClient(`unix://${engine.socket}`);
  assert.equal(await c.negotiate(), '1.46');
  const old = await setup(t, { apiVersion: '1.41' });
  await assert.rejects(new DockerClient(`unix://${old.engine.socket}`).negotiate(), /speaks Docker API 1\.41; the minimum supported Docker API version is 1\.42/);
  await assert.rejects(new DockerClient('unix:///nonexistent/docker.sock').negotiate(), /Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/docker.sock\. Is the docker daemon running\?/);
});

test('exec: create, start hijacked, demultiplexed stdout and stderr, then inspect for the exit code', async (t) => {
  const { engine, docker, handler } = await setup(t);
  const out = collector(), err = collector();
  const res = await handler.execInContainer({ container: engine.containerId, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] },
    { stdout: out.stream, stderr: err.stream, tty: false }, new AbortController().signal);
  assert.deepEqual([out.text(), err.text()], ['out\n', 'err\n']);
  assert.deepEqual(res, { exitCode: 3, message: 'Error executing in Docker Container: 3' });
  const calls = engine.requests.filter((r) => !r.includes('_ping')).map((r) => r.replace(/[0-9a-f]{64}/g, '<id>'));
  assert.deepEqual(calls, ['GET /v1.46/containers/<id>/json', 'POST /v1.46/containers/<id>/exec', 'POST /v1.46/exec/<id>/start', 'GET /v1.46/exec/<id>/json']);
  const ok = await handler.execInContainer({ container: engine.containerId, cmd: ['true'] }, { stdout: out.stream, tty: false }, new AbortController().signal);
  assert.deepEqual(ok, { exitCode: 0 });
  await assert.rejects(docker.createExec(engine.containerId, { Cmd: [], AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false }),
    (e: unknown) => e instanceof DockerError && e.statusCode === 400 && e.message === 'Error response from daemon: No exec command specified');
});

test('exec: stdin is copied, then CloseWrite ends the process\'s stdin while its output still flows back', async (t) => {
  const { engine, handler } = await setup(t);
  const stdin = new PassThrough();
  const out = collector();
  const big = 'x'.repeat(300_000);
  const done = handler.execInContainer({ container: engine.containerId, cmd: ['sh', '-c', 'wc -c; echo after-eof'] },
    { stdin, stdout: out.stream, stderr: collector().stream, tty: false }, new AbortController().signal);
  stdin.end(big);
  assert.deepEqual(await done, { exitCode: 0 });
  assert.deepEqual(out.text().split('\n').map((l) => l.trim()), ['300000', 'after-eof', '']);
});

test('exec: a missing container and a stopped one are errors naming the hop, before any exec is created', async (t) => {
  const { engine, handler } = await setup(t);
  const none = { stdout: collector().stream, tty: false };
  await assert.rejects(handler.execInContainer({ container: 'ffff', cmd: ['true'] }, none, new AbortController().signal),
    { message: 'runtime shim node-1: Error response from daemon: No such container: ffff' });
  const stopped = await setup(t, { running: false });
  await assert.rejects(stopped.handler.execInContainer({ container: stopped.engine.containerId, cmd: ['true'] }, none, new AbortController().signal),
    new RegExp(`runtime shim node-1: container not running \\(${stopped.engine.containerId}\\)`));
  assert.equal(engine.execs.size, 0);
});

test('exec: an aborted session closes the hijacked connection and its process ends', async (t) => {
  const { engine, handler } = await setup(t);
  const ac = new AbortController();
  const out = collector();
  const done = handler.execInContainer({ container: engine.containerId, cmd: ['sh', '-c', 'echo started; exec sleep 300'] }, { stdout: out.stream, tty: false }, ac.signal);
  await waitFor(() => out.text().includes('started'), { what: 'the exec to start' });
  const [e] = [...engine.execs.values()];
  ac.abort();
  const res = await done;
  assert.equal(res.exitCode, 137);
  assert.equal(e!.running, false);
  assert.throws(() => process.kill(e!.pid, 0));
});

test('exec: an aborted session whose engine does not kill the exec: the shim ends its process group', async (t) => {
  const { engine, handler } = await setup(t, { killOnClose: false });
  const ac = new AbortController();
  const out = collector();
  const marker = `sleep ${100000 + Math.floor(Math.random() * 800000)}`;
  const done = handler.execInContainer({ container: engine.containerId, cmd: ['sh', '-c', `echo started; ${marker}; echo never`] }, { stdout: out.stream, tty: false }, ac.signal);
  await waitFor(() => out.text().includes('started'), { what: 'the exec to start' });
  ac.abort();
  assert.equal((await done).exitCode, 137);
  const alive = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).some((d) => {
    try { return readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === marker; } catch { return false; }
  });
  assert.equal(alive, false, `${marker} outlived its session`);
});

test('exec: an engine that dies mid-stream gives an error naming the engine', async (t) => {
  const { engine, handler } = await setup(t);
  const out = collector();
  const done = handler.execInContainer({ container: engine.containerId, cmd: ['sh', '-c', 'echo started; exec sleep 300'] }, { stdout: out.stream, tty: false }, new AbortController().signal);
  await waitFor(() => out.text().includes('started'), { what: 'the exec to start' });
  await engine.close();
  await assert.rejects(done, new RegExp(`runtime shim node-1: Cannot connect to the Docker daemon at unix://${engine.socket.replace(/[.]/g, '\\.')}`));
});

test('ExecSync: output capped, exit code, and a timeout that is DEADLINE_EXCEEDED', async (t) => {
  const { engine, docker } = await setup(t);
  const handler = new NativeExecHandler(docker, { hop: '', inspectIntervalMs: 20 });
  const res = await execSyncThroughEngine(handler, engine.containerId, ['sh', '-c', 'head -c 5000 /dev/zero; echo e >&2; exit 7'], 0, 1000);
  assert.deepEqual([res.stdout.length, res.stderr.toString(), res.exitCode], [1000, 'e\n', 7]);
  await assert.rejects(execSyncThroughEngine(handler, engine.containerId, ['sleep', '30'], 1),
    (e: unknown) => (e as { code?: number }).code === GrpcCode.DEADLINE_EXCEEDED);
  await waitFor(() => [...engine.execs.values()].every((e) => !e.running), { what: 'the timed-out exec to be killed' });
});

test('the first size goes as ConsoleSize, later ones to POST /exec/{id}/resize once started, a 0 size skipped', async (t) => {
  const { engine, handler } = await setup(t);
  const stdin = new PassThrough();
  const sizes = new PassThrough({ objectMode: true });
  for (const s of [{ width: 80, height: 24 }, { width: 0, height: 0 }, { width: 100, height: 30 }]) sizes.write(s);
  const done = handler.execInContainer({ container: engine.containerId, cmd: ['cat'] },
    { stdin, stdout: collector().stream, tty: true, resize: sizes }, new AbortController().signal);
  const resizes = () => engine.requests.filter((r) => r.includes('/resize')).map((r) => r.replace(/[0-9a-f]{64}/, '<id>'));
  await waitFor(() => resizes().length === 1, { what: 'one resize call' });
  sizes.end();
  stdin.end();
  await done;
  assert.deepEqual([...engine.execs.values()].map((e) => e.consoleSize), [[24, 80]]);
  assert.deepEqual(resizes(), ['POST /v1.46/exec/<id>/resize?h=30&w=100']);
});

test('a first size that comes late (no terminal on the client\'s side yet) is a resize like the others', async (t) => {
  const { engine, handler } = await setup(t);
  const stdin = new PassThrough();
  const sizes = new PassThrough({ objectMode: true });
  const done = handler.execInContainer({ container: engine.containerId, cmd: ['cat'] },
    { stdin, stdout: collector().stream, tty: true, resize: sizes }, new AbortController().signal);
  await waitFor(() => engine.requests.some((r) => r.endsWith('/start')), { what: 'the exec to start' });
  sizes.write({ width: 90, height: 20 });
  const resizes = () => engine.requests.filter((r) => r.includes('/resize')).map((r) => r.replace(/[0-9a-f]{64}/, '<id>'));
  await waitFor(() => resizes().length === 1, { what: 'the late size as a resize' });
  sizes.end();
  stdin.end();
  await done;
  assert.deepEqual([...engine.execs.values()].map((e) => e.consoleSize), [undefined]);
  assert.deepEqual(resizes(), ['POST /v1.46/exec/<id>/resize?h=20&w=90']);
});
