// The shim over real gRPC on a unix socket: every RuntimeService method, good and bad requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startShim } from '../../../src/shim/shim.ts';
import { CriError, RemoteImageService, RemoteRuntimeService } from '../../../src/cri/remote-runtime.ts';
import { GrpcCode } from '../../../src/cri/grpc-status.ts';
import type { PodSandboxConfig } from '../../../src/cri/proto.ts';
import { waitFor } from '../../../src/util/wait.ts';

async function rejectsWith(p: Promise<unknown>, code: GrpcCode, text?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CriError, `expected a CriError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${GrpcCode[code]}, got ${GrpcCode[err.code]}: ${err.message}`);
    assert.match(err.message, /^runtime shim test: rpc error: code = /);
    if (text) assert.match(err.message, text);
    return true;
  });
}

const sandboxConfig: PodSandboxConfig = {
  metadata: { name: 'web', namespace: 'default', uid: 'uid-1', attempt: 0 },
  hostname: 'web',
  labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-1' },
};

test('the shim serves every RuntimeService method with the right gRPC codes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shim-test-'));
  // A stale socket file, as a SIGKILLed shim leaves it: the shim must start anyway.
  writeFileSync(join(dir, 'test.sock'), '');
  const shim = await startShim({ name: 'test', stateDir: dir, log: () => {} });
  const rt = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'runtime shim test', timeoutMs: 10_000 });
  const img = new RemoteImageService(`unix://${shim.socket}`, { hop: 'runtime shim test', timeoutMs: 10_000 });
  t.after(async () => { rt.close(); img.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); });

  const v = await rt.version();
  assert.deepEqual(v, { version: '0.1.0', runtime_name: 'workbook-shim', runtime_version: '1.0.0', runtime_api_version: 'v1' });
  const st = await rt.status();
  assert.deepEqual(st.status?.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);

  // Images
  assert.equal(await img.imageStatus('nginx'), null, 'not pulled yet: an empty answer, not an error');
  const ref = await img.pullImage('nginx');
  assert.match(ref, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await img.imageStatus('docker.io/library/nginx:latest'))?.id, ref);
  assert.deepEqual((await img.listImages()).map((i) => i.repo_tags), [['docker.io/library/nginx:latest']]);
  // A plain error at the shim (Unknown), whose code the kubelet's client drops (remote_image.go pullImageV1).
  const pull = await img.pullImage('no-such-image').then(() => undefined, (e: unknown) => e);
  assert.ok(pull instanceof CriError && pull.code === GrpcCode.UNKNOWN);
  assert.match(pull.message, /^runtime shim test: failed to pull image "no-such-image": pull access denied/);
  await rejectsWith(img.pullImage(''), GrpcCode.INVALID_ARGUMENT);

  // Sandboxes
  await rejectsWith(rt.runPodSandbox({ metadata: { name: 'x', namespace: '', uid: '', attempt: 0 } }), GrpcCode.INVALID_ARGUMENT);
  const sb = await rt.runPodSandbox(sandboxConfig);
  assert.match(sb, /^[0-9a-f]{64}$/);
  const sbs = await rt.podSandboxStatus(sb);
  assert.equal(sbs.state, 'SANDBOX_READY');
  assert.equal(sbs.metadata?.name, 'web');
  assert.equal(sbs.network?.ip, '127.0.0.1');
  assert.ok(BigInt(sbs.created_at) > 0n);
  await rejectsWith(rt.podSandboxStatus('nope'), GrpcCode.NOT_FOUND);
  assert.deepEqual((await rt.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': 'uid-1' } })).map((s) => s.id), [sb]);
  assert.deepEqual(await rt.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': 'other' } }), []);

  // Containers
  const labels = { ...sandboxConfig.labels, 'io.kubernetes.container.name': 'web' };
  await rejectsWith(rt.createContainer('nope', { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' } }, sandboxConfig), GrpcCode.NOT_FOUND);
  await rejectsWith(rt.createContainer(sb, { image: { image: 'nginx' } }, sandboxConfig), GrpcCode.INVALID_ARGUMENT);
  await rejectsWith(rt.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nosuch' } }, sandboxConfig), GrpcCode.NOT_FOUND);
  await rejectsWith(rt.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' }, working_dir: '/../../etc' }, sandboxConfig), GrpcCode.INVALID_ARGUMENT, /escapes/);
  const id = await rt.createContainer(sb, {
    metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' }, labels,
    envs: [{ key: 'GREETING', value: 'hello' }], working_dir: '/srv',
  }, sandboxConfig);
  await rejectsWith(rt.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' } }, sandboxConfig), GrpcCode.ALREADY_EXISTS);
  assert.equal((await rt.containerStatus(id)).status?.state, 'CONTAINER_CREATED');
  // As containerd reports them: the repo tag as the image, the repo digest as image_ref, the image ID apart.
  const created = (await rt.containerStatus(id)).status!;
  assert.equal(created.image?.image, 'docker.io/library/nginx:latest');
  assert.match(created.image_ref, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  assert.equal(created.image_id, ref);
  assert.notEqual(created.image_ref.split('@')[1], ref, 'the manifest digest is not the image ID');
  await rejectsWith(rt.execSync(id, ['true']), GrpcCode.UNKNOWN, /container not running/);
  await rt.startContainer(id);
  await rejectsWith(rt.startContainer(id), GrpcCode.UNKNOWN, /is in CONTAINER_RUNNING state/);
  await rejectsWith(rt.startContainer('nope'), GrpcCode.NOT_FOUND);
  await rejectsWith(rt.startContainer(''), GrpcCode.INVALID_ARGUMENT);

  const status = await rt.containerStatus(id, true);
  assert.equal(status.status?.state, 'CONTAINER_RUNNING');
  assert.equal(status.status?.metadata?.name, 'web');
  assert.equal(status.status?.image?.image, 'docker.io/library/nginx:latest');
  assert.ok(BigInt(status.status!.started_at) >= BigInt(status.status!.created_at));
  const info = JSON.parse(status.info.info!) as { pid: number; argv: string[]; workingDir: string };
  assert.deepEqual(info.argv, ['sleep', 'infinity']);
  assert.ok(info.pid > 0);
  assert.equal((await rt.containerStatus(id)).info.info, undefined, 'info only when verbose');

  assert.deepEqual((await rt.listContainers({ state: { state: 'CONTAINER_RUNNING' }, label_selector: { 'io.kubernetes.container.name': 'web' } })).map((c) => c.id), [id]);
  assert.deepEqual(await rt.listContainers({ state: { state: 'CONTAINER_EXITED' } }), []);
  assert.deepEqual((await rt.listContainers({ pod_sandbox_id: sb })).map((c) => c.id), [id]);
  assert.deepEqual((await rt.listContainers({ id: id.slice(0, 13) })).map((c) => c.id), [id], 'a prefix filters too');

  // ExecSync: the command runs in the container's folder with its env, exit codes are exact.
  const r = await rt.execSync(id, ['sh', '-c', 'echo "$GREETING from $(pwd)"; echo oops >&2; exit 3']);
  assert.equal(r.stdout.toString(), `hello from ${info.workingDir}\n`);
  assert.match(info.workingDir, /\/rootfs\/srv$/);
  assert.equal(r.stderr.toString(), 'oops\n');
  assert.equal(r.exit_code, 3);
  // The shim's DEADLINE_EXCEEDED, in the kubelet client's words (remote_runtime.go: ErrCommandTimedOut).
  await assert.rejects(rt.execSync(id, ['sleep', '5'], 1), (err: unknown) => {
    assert.ok(err instanceof CriError && err.code === GrpcCode.DEADLINE_EXCEEDED);
    assert.equal(err.message, 'runtime shim test: command timed out: "sleep 5" timed out after 1s');
    return true;
  });
  await rejectsWith(rt.execSync(id, ['no-such-command']), GrpcCode.UNKNOWN, /executable file not found/);
  await rejectsWith(rt.execSync(id, []), GrpcCode.INVALID_ARGUMENT);

  // Exec, Attach, PortForward need chapter 5's streaming server: without one, cri-dockerd's NotFound.
  await rejectsWith(rt.exec({ container_id: id, cmd: ['date'], tty: false, stdin: false, stdout: true, stderr: true }), GrpcCode.NOT_FOUND, /^runtime shim test: rpc error: code = NotFound desc = streaming method exec disabled$/);
  await rejectsWith(rt.attach({ container_id: id, stdin: false, tty: false, stdout: true, stderr: false }), GrpcCode.NOT_FOUND, /desc = streaming method attach disabled$/);
  await rejectsWith(rt.portForward({ pod_sandbox_id: sb, port: [80] }), GrpcCode.NOT_FOUND, /desc = streaming method port forward disabled$/);

  // Stop kills the process group; the exit code says how it ended.
  await rt.stopContainer(id, 5);
  const stopped = (await rt.containerStatus(id)).status!;
  assert.equal(stopped.state, 'CONTAINER_EXITED');
  assert.equal(stopped.exit_code, 143, 'SIGTERM: 128 + 15');
  assert.equal(stopped.reason, 'Error');
  assert.throws(() => process.kill(info.pid, 0), 'the process is gone');
  await rt.stopContainer(id, 0); // idempotent
  await rejectsWith(rt.stopContainer('nope', 0), GrpcCode.NOT_FOUND);

  // A container whose command ends by itself.
  const done = await rt.createContainer(sb, { metadata: { name: 'job', attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', 'echo bye; exit 7'] }, sandboxConfig);
  await rt.startContainer(done);
  const ended = await waitFor(async () => { const s = (await rt.containerStatus(done)).status!; return s.state === 'CONTAINER_EXITED' && s; });
  assert.equal(ended.exit_code, 7);
  assert.ok(BigInt(ended.finished_at) >= BigInt(ended.started_at));
  // A command that does not exist fails StartContainer and leaves the container exited.
  const bad = await rt.createContainer(sb, { metadata: { name: 'bad', attempt: 0 }, image: { image: 'busybox' }, command: ['no-such-binary'] }, sandboxConfig);
  await rejectsWith(rt.startContainer(bad), GrpcCode.UNKNOWN, /no-such-binary/);
  assert.equal((await rt.containerStatus(bad)).status?.reason, 'StartError');

  await rt.removeContainer(id);
  await rt.removeContainer(id); // idempotent
  await rejectsWith(rt.containerStatus(id), GrpcCode.NOT_FOUND);
  await rt.stopPodSandbox(sb);
  assert.equal((await rt.podSandboxStatus(sb)).state, 'SANDBOX_NOTREADY');
  await rejectsWith(rt.createContainer(sb, { metadata: { name: 'late', attempt: 0 }, image: { image: 'nginx' } }, sandboxConfig), GrpcCode.UNKNOWN, /is not ready/);
  await rt.removePodSandbox(sb);
  await rt.removePodSandbox(sb);
  assert.deepEqual(await rt.listContainers(), []);
  assert.deepEqual(await rt.listPodSandbox(), []);
});

test('a shim refuses a socket another live shim serves, and removes its socket on close', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shim-test-'));
  const shim = await startShim({ name: 'one', stateDir: dir, log: () => {} });
  t.after(async () => { await shim.close(); rmSync(dir, { recursive: true, force: true }); });
  await assert.rejects(startShim({ name: 'two', stateDir: dir, socket: shim.socket, log: () => {} }), /in use/);
  await assert.rejects(startShim({ name: '../evil', stateDir: dir, log: () => {} }), /invalid shim name/);
  await shim.close();
  assert.equal(existsSync(shim.socket), false);
});

test('a restarted shim finds its containers, and ends the ones its predecessor left running', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shim-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await startShim({ name: 'n', stateDir: dir, log: () => {} });
  const sb = first.runtime.runPodSandbox(sandboxConfig);
  const id = first.runtime.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' } });
  await first.runtime.startContainer(id);
  const pid = first.runtime.container(id).pid!;
  // Simulate a crash: a new runtime over the same folder while the old process still runs.
  const { ProcessRuntime } = await import('../../../src/shim/process-runtime.ts');
  const second = new ProcessRuntime(join(dir, 'n'));
  const c = second.container(id);
  assert.equal(c.state, 'CONTAINER_EXITED');
  assert.equal(c.exitCode, 137);
  assert.match(c.message, /restarted/);
  await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, { what: 'the orphan to be killed' });
  await first.close();
});

test('a shim killed with SIGKILL takes its containers with it (parent-death signal): no orphans', async (t) => {
  const { spawn } = await import('node:child_process');
  const { announcePath } = await import('../../../src/util/announce.ts');
  const { readFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'shim-test-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/checkpoints/cri/shim.ts', '--name=crash', `--state-dir=${dir}`], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  t.after(async () => { child.kill('SIGKILL'); await exited; rmSync(dir, { recursive: true, force: true }); });
  const socket = await waitFor(() => existsSync(announcePath(dir, 'crash')) && (JSON.parse(readFileSync(announcePath(dir, 'crash'), 'utf8')) as { socket: string }).socket, { what: 'the shim to announce itself' });
  const rt = new RemoteRuntimeService(`unix://${socket}`, { hop: 'runtime shim test', timeoutMs: 10_000 });
  t.after(() => rt.close());
  const sb = await rt.runPodSandbox(sandboxConfig);
  const id = await rt.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' } }, sandboxConfig);
  await rt.startContainer(id);
  const pid = (JSON.parse((await rt.containerStatus(id, true)).info.info!) as { pid: number }).pid;
  assert.doesNotThrow(() => process.kill(pid, 0), 'the container runs');
  child.kill('SIGKILL');
  await exited;
  await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, { what: `container process ${pid} to die with its shim` });
});

test('the process shim runs containers as its own user: a security context asking for another is ignored, and logged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shim-secctx-'));
  const lines: string[] = [];
  const shim = await startShim({ name: 'test', stateDir: dir, log: (l) => lines.push(l) });
  const rt = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'runtime shim test', timeoutMs: 10_000 });
  const img = new RemoteImageService(`unix://${shim.socket}`, { hop: 'runtime shim test', timeoutMs: 10_000 });
  t.after(async () => { rt.close(); img.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); });
  await img.pullImage('busybox');
  const sb = await rt.runPodSandbox(sandboxConfig);
  const own = { uid: process.getuid!(), gid: process.getgid!() };
  const config = (name: string, security_context: object) => ({ metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', `test "$(id -u)" = ${own.uid}`], linux: { security_context } });
  // Its own uid (the kubelet sends the image's user, root here, when the pod names none): nothing to say.
  await rt.createContainer(sb, config('same', { run_as_user: { value: own.uid } }), sandboxConfig);
  assert.deepEqual(lines.filter((l) => l.includes('security context')), []);
  const other = own.uid === 1000 ? 1001 : 1000;
  const id = await rt.createContainer(sb, config('other', { run_as_user: { value: other }, run_as_group: { value: 3000 }, supplemental_groups: [4000] }), sandboxConfig);
  assert.deepEqual(lines.filter((l) => l.includes('security context')),
    [`container other: security context ignored (uid ${other}, gid 3000, groups 4000): runs as the shim's uid ${own.uid}, gid ${own.gid}`]);
  await rt.startContainer(id);
  const status = await waitFor(async () => { const s = (await rt.containerStatus(id)).status; return s?.state === 'CONTAINER_EXITED' && s; }, { what: 'the container exited' });
  assert.equal(status.exit_code, 0, 'it ran as the shim\'s uid');
});
