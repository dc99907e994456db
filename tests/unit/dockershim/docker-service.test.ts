// The shim as dockershim over a real engine process (its host-process backend: no root needed): every CRI call the
// kubelet makes, through gRPC, mapped onto the engine as cri-dockerd maps it; the engine's own words in errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriError, RemoteImageService, RemoteRuntimeService } from '../../../src/cri/remote-runtime.ts';
import { GrpcCode } from '../../../src/cri/grpc-status.ts';
import type { ContainerConfig, PodSandboxConfig } from '../../../src/cri/proto.ts';
import { DOCKERSHIM_FLAGS, startDockerService, startDockerStreaming } from '../../../src/dockershim/dockershim.ts';
import { DockerClient } from '../../../src/dockershim/docker-client.ts';
import { Libdocker } from '../../../src/dockershim/libdocker.ts';
import { startShim } from '../../../src/shim/shim.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { startTestEngine } from '../../fixtures/engine.ts';

const sandboxConfig: PodSandboxConfig = {
  metadata: { name: 'web', namespace: 'default', uid: 'uid-1', attempt: 0 },
  hostname: 'web',
  labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-1' },
  annotations: { 'kubernetes.io/config.source': 'api' },
};
const containerConfig = (attempt = 0): ContainerConfig => ({
  metadata: { name: 'web', attempt }, image: { image: 'busybox' }, command: ['sleep', '300'],
  envs: [{ key: 'GREETING', value: 'hello' }],
  labels: { ...sandboxConfig.labels, 'io.kubernetes.container.name': 'web' },
  annotations: { 'io.kubernetes.container.restartCount': String(attempt) },
});

async function rejectsWith(p: Promise<unknown>, code: GrpcCode, text?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CriError, `expected a CriError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${GrpcCode[code]}, got ${GrpcCode[err.code]}: ${err.message}`);
    if (text) assert.match(err.message, text);
    return true;
  });
}

test('dockershim over the engine: sandboxes, containers, images, ExecSync and Status, as cri-dockerd answers them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dockershim-svc-'));
  const engine = await startTestEngine({ stateDir: dir, args: ['--isolation=processes'] });
  t.after(async () => { await engine.stop(); rmSync(dir, { recursive: true, force: true }); });
  const flags = Object.fromEntries(DOCKERSHIM_FLAGS.map((f) => [f, undefined])) as Record<string, string | undefined>;
  flags['docker-endpoint'] = engine.dockerHost;
  const shim = await startShim({ name: 'shim-node-1', stateDir: dir, runtime: startDockerService, streaming: startDockerStreaming, flags, log: () => {} });
  t.after(() => shim.close());
  const rt = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'runtime shim node-1', timeoutMs: 30_000 });
  const img = new RemoteImageService(`unix://${shim.socket}`, { hop: 'runtime shim node-1', timeoutMs: 60_000 });
  t.after(() => { rt.close(); img.close(); });
  const docker = new Libdocker(new DockerClient(engine.dockerHost));

  const v = await rt.version();
  assert.equal(v.runtime_name, 'docker');
  assert.equal(v.runtime_version, (await docker.version()).Version);
  assert.deepEqual((await rt.status()).status?.conditions.map((c) => [c.type, c.status]), [['RuntimeReady', true], ['NetworkReady', true]]);

  // Images: not there is an empty answer; an unknown image is the engine's own refusal.
  assert.equal(await img.imageStatus('busybox'), null);
  const ref = await img.pullImage('busybox');
  assert.match(ref, /^sha256:[0-9a-f]{64}$/);
  assert.equal((await img.imageStatus('busybox'))?.id, ref);
  assert.equal((await img.imageStatus('docker.io/library/busybox:latest'))?.id, ref, 'a full reference names the same image');
  assert.deepEqual((await img.listImages()).map((i) => i.repo_tags), [['busybox:latest']]);
  const pull = await img.pullImage('no-such-image').then(() => undefined, (e: unknown) => e);
  assert.ok(pull instanceof CriError && pull.code === GrpcCode.UNKNOWN);
  assert.match(pull.message, /Error response from daemon: pull access denied for no-such-image/);

  // RunPodSandbox pulls pause by itself and starts the sandbox container.
  const sb = await rt.runPodSandbox(sandboxConfig);
  const inspect = await docker.inspectContainer(sb);
  assert.equal(inspect.Name, '/k8s_POD_web_default_uid-1_0');
  assert.equal(inspect.Config.Labels['io.kubernetes.docker.type'], 'podsandbox');
  assert.equal(inspect.Config.Labels['annotation.kubernetes.io/config.source'], 'api');
  assert.equal(inspect.Config.Hostname, 'web');
  const sbs = await rt.podSandboxStatus(sb);
  assert.deepEqual([sbs.state, sbs.metadata, sbs.annotations], ['SANDBOX_READY', sandboxConfig.metadata, sandboxConfig.annotations]);
  // dockershim's own labels are hidden; the infra container's name label shows, as with cri-dockerd.
  assert.deepEqual(sbs.labels, { ...sandboxConfig.labels, 'io.kubernetes.container.name': 'POD' });
  assert.deepEqual((await rt.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': 'uid-1' } })).map((s) => s.id), [sb]);
  assert.deepEqual(await rt.listPodSandbox({ label_selector: { 'io.kubernetes.pod.uid': 'other' } }), []);
  await rejectsWith(rt.podSandboxStatus('0123456789ab'), GrpcCode.NOT_FOUND, /No such container: 0123456789ab/);

  // CreateContainer: Entrypoint and Cmd from the CRI's command and args, the sandbox's namespaces, the labels.
  // The security context: a group without a user is refused before the engine is asked, with cri-dockerd's words.
  await rejectsWith(rt.createContainer(sb, { ...containerConfig(), linux: { security_context: { run_as_group: { value: 3000 } } } }, sandboxConfig),
    GrpcCode.UNKNOWN, /desc = failed to update container create config: failed to apply container security context for container "web": runAsGroup is specified without a runAsUser$/);
  const id = await rt.createContainer(sb, { ...containerConfig(), linux: {
    resources: { memory_limit_in_bytes: 64 << 20 },
    security_context: { run_as_user: { value: 1000 }, run_as_group: { value: 3000 }, supplemental_groups: [2000, 4000] },
  } }, sandboxConfig);
  const c = await docker.inspectContainer(id);
  assert.equal(c.Name, '/k8s_web_web_default_uid-1_0');
  assert.deepEqual([c.HostConfig?.IpcMode, c.HostConfig?.NetworkMode], [`container:${sb}`, `container:${sb}`]);
  assert.equal(c.HostConfig?.Memory, 64 << 20);
  assert.deepEqual([c.Config.User, c.HostConfig?.GroupAdd], ['1000:3000', ['2000', '4000']]);
  // ImageStatus gives the image's user as the kubelet's getImageUser reads it: a uid (the group dropped), or a name.
  assert.deepEqual(await img.imageStatus('pause').then((i) => [i?.uid, i?.username]), [{ value: '65535' }, '']);
  assert.deepEqual(await img.imageStatus('busybox').then((i) => [i?.uid, i?.username]), [null, '']);
  assert.equal(c.Config.Labels['io.kubernetes.sandbox.id'], sb);
  assert.equal((await rt.containerStatus(id)).status?.state, 'CONTAINER_CREATED');
  await rt.startContainer(id);
  // The name is taken by a running container: refused, and the container lives on.
  await rejectsWith(rt.createContainer(sb, containerConfig(), sandboxConfig), GrpcCode.UNKNOWN, /Conflict/);
  const st = (await rt.containerStatus(id)).status!;
  assert.deepEqual([st.state, st.metadata, st.image?.image, st.labels['io.kubernetes.container.name']], ['CONTAINER_RUNNING', { name: 'web', attempt: 0 }, 'busybox', 'web']);
  assert.ok(BigInt(st.started_at) >= BigInt(st.created_at) && BigInt(st.created_at) > 0n);
  const listed = await rt.listContainers({ pod_sandbox_id: sb, state: { state: 'CONTAINER_RUNNING' } });
  assert.deepEqual(listed.map((x) => [x.id, x.pod_sandbox_id, x.metadata?.name]), [[id, sb, 'web']]);
  assert.deepEqual(await rt.listContainers({ label_selector: { 'io.kubernetes.container.name': 'other' } }), []);

  // ExecSync through the engine's exec API: env from the CRI config, output apart, the exit code.
  const ex = await rt.execSync(id, ['sh', '-c', 'echo $GREETING; echo oops >&2; exit 7'], 10);
  assert.deepEqual([ex.stdout.toString(), ex.stderr.toString(), ex.exit_code], ['hello\n', 'oops\n', 7]);
  await rejectsWith(rt.execSync(id, ['sleep', '10'], 1), GrpcCode.DEADLINE_EXCEEDED);
  const url = await rt.exec({ container_id: id, cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]+$/);

  // StopContainer with its timeout, then the container is exited and Exec refuses.
  await rt.stopContainer(id, 2);
  const stopped = (await rt.containerStatus(id)).status!;
  assert.equal(stopped.state, 'CONTAINER_EXITED');
  assert.ok(stopped.exit_code === 137 || stopped.exit_code === 143, `exit ${stopped.exit_code}`);
  assert.equal(stopped.reason, 'Error');
  await rejectsWith(rt.exec({ container_id: id, cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: true }), GrpcCode.UNKNOWN, new RegExp(`container not running \\(${id}\\)`));

  // A stopped container holding the name (an earlier sandbox's): freed the first time (the kubelet retries), as cri-dockerd does.
  await rejectsWith(rt.createContainer(sb, containerConfig(), sandboxConfig), GrpcCode.UNKNOWN, /Conflict/);
  const id2 = await rt.createContainer(sb, containerConfig(), sandboxConfig);
  assert.notEqual(id2, id);

  // StopPodSandbox, RemovePodSandbox: idempotent, and they take the pod's containers with them.
  await rt.stopPodSandbox(sb);
  assert.equal((await rt.podSandboxStatus(sb)).state, 'SANDBOX_NOTREADY');
  await rt.removePodSandbox(sb);
  await rt.removePodSandbox(sb);
  assert.deepEqual(await rt.listContainers(), []);
  assert.deepEqual(await rt.listPodSandbox(), []);
  assert.deepEqual(await docker.listContainers({ all: true }), []);

  // The engine gone: Status says so, in cri-dockerd's words.
  await engine.stop();
  const down = await waitFor(async () => {
    const cond = (await rt.status()).status?.conditions.find((x) => x.type === 'RuntimeReady');
    return cond?.status === false && cond;
  }, { what: 'RuntimeReady=false' });
  assert.equal(down.reason, 'DockerDaemonNotReady');
  assert.match(down.message, /^docker: failed to get docker version: Cannot connect to the Docker daemon at unix:\/\//);
});
