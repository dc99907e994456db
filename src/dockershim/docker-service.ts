// The CRI runtime over the engine: sandboxes are pause containers, a pod's containers join their namespaces, and
// every CRI call is one or two Docker API calls (cri-dockerd core/sandbox_*.go, container_*.go, image.go, docker_service.go).
import { randomBytes } from 'node:crypto';
import { invalidArgument, notFound, plainError } from '../cri/grpc-status.ts';
import type * as cri from '../cri/proto.ts';
import type { Executor } from '../exec/executor.ts';
import type { RuntimeCondition, ShimRuntime } from '../shim/runtime.ts';
import { DockerError, isNotFound } from './docker-client.ts';
import { execSyncThroughEngine } from './exec.ts';
import type { ContainerConfig, ContainerSummary, HostConfig, ImageInspect, ImageSummary, Libdocker } from './libdocker.ts';
import { modifyContainerConfig, modifyHostConfig } from './security-context.ts';
import {
  CONTAINER_LOG_PATH_LABEL, CONTAINER_TYPE_CONTAINER, CONTAINER_TYPE_LABEL, CONTAINER_TYPE_SANDBOX, KUBERNETES_CONTAINER_NAME_LABEL,
  SANDBOX_CONTAINER_NAME, SANDBOX_ID_LABEL, extractLabels, makeContainerName, makeLabels, makeSandboxName, parseContainerName,
  parseSandboxName, rfc3339ToNanos,
} from './naming.ts';

export const RUNTIME_NAME = 'docker';
// cri-dockerd's default is registry.k8s.io/pause:3.9; the workbook's catalog has a `pause` of its own.
export const DEFAULT_SANDBOX_IMAGE = 'pause';
// defaultSandboxGracePeriod: the pause container gets this long to stop before SIGKILL.
const SANDBOX_GRACE_SECONDS = 10;

export interface DockerServiceOptions {
  execHandler: Executor;             // ExecSync runs through it (NativeExecHandler without a hop)
  podSandboxImage?: string;          // --pod-infra-container-image
  log?: (line: string) => void;
}

// The engine's 404 becomes NOT_FOUND, as containerd answers for an unknown container (the kubelet tells them apart).
function notFoundOr(err: unknown): never {
  if (isNotFound(err)) throw notFound((err as DockerError).message);
  throw err;
}

// ContainerSummary.State ("running", "exited", "created"...), as toRuntimeAPIContainerState reads its Status.
function containerState(state: string): cri.ContainerStateName {
  if (state === 'running' || state === 'restarting' || state === 'paused') return 'CONTAINER_RUNNING';
  if (state === 'exited' || state === 'dead') return 'CONTAINER_EXITED';
  if (state === 'created') return 'CONTAINER_CREATED';
  return 'CONTAINER_UNKNOWN';
}

// libdocker's conflictRE: the engine's 409 names the container holding the name.
const CONFLICT = /Conflict\. (?:.)+ is already in use by container "?([0-9a-z]+)"?/;

const seconds = (unix: number) => (BigInt(Math.trunc(unix)) * 1_000_000_000n).toString();

// getUserFromImageUser: the image's user ("name", "uid", "uid:gid"...) as the CRI's uid or username, never both;
// the group part is dropped (the kubelet only asks who the user is).
function userFromImageUser(imageUser: string): { uid: cri.Int64Value | null; username: string } {
  const user = imageUser.split(':')[0] ?? '';
  if (user === '') return { uid: null, username: '' };
  return /^[+-]?[0-9]+$/.test(user) ? { uid: { value: user.replace(/^\+/, '') }, username: '' } : { uid: null, username: user };
}

function imageMessage(img: ImageSummary | ImageInspect): cri.Image {
  return {
    id: img.Id, repo_tags: img.RepoTags ?? [], repo_digests: img.RepoDigests ?? [], size: img.Size ?? 0,
    ...userFromImageUser('Config' in img ? img.Config?.User ?? '' : ''), spec: null, pinned: false,
  };
}

export class DockerService implements ShimRuntime {
  private readonly podSandboxImage: string;

  constructor(private readonly docker: Libdocker, private readonly opts: DockerServiceOptions) {
    this.podSandboxImage = opts.podSandboxImage ?? DEFAULT_SANDBOX_IMAGE;
  }

  private log(line: string): void { this.opts.log?.(line); }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    const v = await this.docker.version();
    return { runtimeName: RUNTIME_NAME, runtimeVersion: v.Version };
  }

  // RuntimeReady is false while the engine does not answer: the kubelet then marks the node NotReady.
  async status(): Promise<RuntimeCondition[]> {
    const runtimeReady: RuntimeCondition = { type: 'RuntimeReady', status: true, reason: '', message: '' };
    try { await this.docker.version(); } catch (err) {
      Object.assign(runtimeReady, { status: false, reason: 'DockerDaemonNotReady', message: `docker: failed to get docker version: ${(err as Error).message}` });
    }
    return [runtimeReady, { type: 'NetworkReady', status: true, reason: '', message: '' }];
  }

  // ── sandboxes ────────────────────────────────────────────────────────────
  // #region run-pod-sandbox
  // RunPodSandbox: make sure the pause image is there, then create and start the sandbox container. Its ipc
  // namespace is "shareable" and its hostname the pod's: the pod's containers join both.
  async runPodSandbox(config: cri.PodSandboxConfig | null | undefined, runtimeHandler: string): Promise<string> {
    const md = config?.metadata;
    if (!config || !md?.name || !md.namespace || !md.uid) throw invalidArgument('PodSandboxConfig.Metadata: name, namespace and uid are required');
    if (runtimeHandler) throw invalidArgument(`unknown runtime handler "${runtimeHandler}"`);
    await this.ensureSandboxImageExists(this.podSandboxImage);
    const labels = {
      ...makeLabels(config.labels, config.annotations),
      [CONTAINER_TYPE_LABEL]: CONTAINER_TYPE_SANDBOX,
      [KUBERNETES_CONTAINER_NAME_LABEL]: SANDBOX_CONTAINER_NAME,
    };
    let id: string;
    try {
      id = await this.docker.createContainer(makeSandboxName(config),
        { Hostname: config.hostname || md.name, Image: this.podSandboxImage, Labels: labels },
        { IpcMode: 'shareable', RestartPolicy: { Name: 'no' } });
    } catch (err) {
      throw plainError(`failed to create a sandbox for pod "${md.name}": ${(err as Error).message}`);
    }
    try {
      await this.docker.startContainer(id);
    } catch (err) {
      // A sandbox that never ran is removed, so that the kubelet's next attempt starts clean (and the node
      // does not fill up with dead pause containers while the cause lasts).
      await this.docker.removeContainer(id, { force: true, volumes: true }).catch(() => {});
      throw plainError(`failed to start sandbox container for pod "${md.name}": ${(err as Error).message}`);
    }
    this.log(`sandbox ${id.slice(0, 12)} for ${md.namespace}/${md.name} running`);
    return id;
  }
  // #endregion run-pod-sandbox

  private async ensureSandboxImageExists(image: string): Promise<void> {
    try {
      await this.docker.inspectImageByRef(image);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw plainError(`failed to inspect sandbox image "${image}": ${(err as Error).message}`);
    }
    this.log(`Pulling the image without credentials. Image: ${image}`);
    await this.docker.pullImage(image).catch((err: Error) => { throw plainError(`failed pulling image "${image}": ${err.message}`); });
  }

  private async containersOfSandbox(id: string): Promise<ContainerSummary[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${SANDBOX_ID_LABEL}=${id}`] } });
  }

  async stopPodSandbox(id: string): Promise<void> {
    if (!id) throw invalidArgument('pod sandbox id is required');
    // The kubelet stops the containers first; any still running go now, as the sandbox's namespaces go with it.
    const running = (await this.containersOfSandbox(id)).filter((c) => c.State === 'running');
    await Promise.all(running.map((c) => this.docker.stopContainer(c.Id, 0).catch((err) => { if (!isNotFound(err)) throw err; })));
    await this.docker.stopContainer(id, SANDBOX_GRACE_SECONDS).catch((err) => { if (!isNotFound(err)) throw err; });
  }

  async removePodSandbox(id: string): Promise<void> {
    if (!id) throw invalidArgument('pod sandbox id is required');
    for (const c of await this.containersOfSandbox(id)) {
      await this.docker.removeContainer(c.Id, { force: true, volumes: true }).catch((err) => { if (!isNotFound(err)) throw err; });
    }
    await this.docker.removeContainer(id, { force: true, volumes: true }).catch((err) => { if (!isNotFound(err)) throw err; });
  }

  async podSandboxStatus(id: string): Promise<cri.PodSandboxStatus> {
    if (!id) throw invalidArgument('pod sandbox id is required');
    const c = await this.docker.inspectContainer(id).catch(notFoundOr);
    const { labels, annotations } = extractLabels(c.Config.Labels);
    return {
      id: c.Id, metadata: parseSandboxName(c.Name), state: c.State.Running ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
      created_at: rfc3339ToNanos(c.Created), labels, annotations, runtime_handler: '',
      // The engine's containers share the node's network (as hostNetwork pods do): the pod IP is the node's loopback.
      network: { ip: '127.0.0.1', additional_ips: [] },
    };
  }

  async listPodSandbox(filter: cri.PodSandboxFilter | null | undefined): Promise<cri.PodSandbox[]> {
    const label = [`${CONTAINER_TYPE_LABEL}=${CONTAINER_TYPE_SANDBOX}`, ...Object.entries(filter?.label_selector ?? {}).map(([k, v]) => `${k}=${v}`)];
    const rows = await this.docker.listContainers({ all: true, filters: { label, ...(filter?.id ? { id: [filter.id] } : {}) } });
    const items: cri.PodSandbox[] = [];
    for (const c of rows) {
      let metadata;
      try { metadata = parseSandboxName(c.Names[0] ?? ''); } catch { continue; }   // not ours: skip, as cri-dockerd logs and skips
      const { labels, annotations } = extractLabels(c.Labels);
      const state = c.State === 'running' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
      if (filter?.state && filter.state.state !== state) continue;
      items.push({ id: c.Id, metadata, state, created_at: seconds(c.Created), labels, annotations, runtime_handler: '' });
    }
    return items;
  }

  async checkPodSandbox(id: string): Promise<void> {
    await this.docker.inspectContainer(id).catch(notFoundOr);
  }

  // ── containers ───────────────────────────────────────────────────────────
  // #region create-container
  // CreateContainer: the CRI's command and args become Docker's Entrypoint and Cmd (the engine applies the image's
  // defaults, by the same rule as Kubernetes); the container joins the sandbox's namespaces by "container:<id>" modes.
  async createContainer(sandboxId: string, config: cri.ContainerConfig | null | undefined, sandboxConfig: cri.PodSandboxConfig | null | undefined): Promise<string> {
    if (!config) throw plainError('container config is nil');
    if (!config.metadata?.name) throw invalidArgument('ContainerConfig.Metadata.Name is required');
    if (!sandboxConfig?.metadata) throw plainError(`sandbox config is nil for container "${config.metadata.name}"`);
    const sandbox = await this.docker.inspectContainer(sandboxId).catch(notFoundOr);
    if (!sandbox.State.Running) throw plainError(`pod sandbox "${sandboxId}" is not ready`);
    const labels: cri.StringMap = {
      ...makeLabels(config.labels, config.annotations),
      [CONTAINER_TYPE_LABEL]: CONTAINER_TYPE_CONTAINER,
      [SANDBOX_ID_LABEL]: sandbox.Id,
    };
    if (config.log_path) labels[CONTAINER_LOG_PATH_LABEL] = `${sandboxConfig.log_directory ?? ''}/${config.log_path}`;
    const joinSandbox = `container:${sandbox.Id}`;
    const dockerConfig: ContainerConfig = {
      Image: config.image?.image ?? '',
      // An empty list is Go's nil slice: the image's own Entrypoint/Cmd apply.
      Entrypoint: config.command?.length ? config.command : null,
      Cmd: config.args?.length ? config.args : null,
      Env: (config.envs ?? []).map((kv) => `${kv.key}=${kv.value}`),
      WorkingDir: config.working_dir ?? '',
      Labels: labels,
      OpenStdin: config.stdin ?? false, StdinOnce: config.stdin_once ?? false, Tty: config.tty ?? false,
    };
    const hostConfig: HostConfig = {
      IpcMode: joinSandbox, UTSMode: joinSandbox, NetworkMode: joinSandbox, RestartPolicy: { Name: 'no' },
      // The CRI's LinuxContainerResources; it has no pids limit (Kubernetes sets that on the pod's cgroup).
      Memory: Number(config.linux?.resources?.memory_limit_in_bytes ?? 0),
    };
    // updateCreateConfig: the pod's user and groups (LinuxContainerSecurityContext) become User and GroupAdd.
    try {
      modifyContainerConfig(config.linux?.security_context, dockerConfig);
      modifyHostConfig(config.linux?.security_context, hostConfig);
    } catch (err) {
      throw plainError(`failed to update container create config: failed to apply container security context for container "${config.metadata.name}": ${(err as Error).message}`);
    }
    const create = (name: string) => this.docker.createContainer(name, dockerConfig, hostConfig);
    const name = makeContainerName(sandboxConfig, config);
    try {
      return await create(name);
    } catch (err) {
      return this.recoverFromCreationConflictIfNeeded(err, () => create(`${name}_${randomBytes(4).toString('hex')}`));
    }
  }
  // #endregion create-container

  // The name is taken by a container of an earlier sandbox (the engine restarted, the sandbox was made again):
  // remove it and fail this time (the kubelet retries), or, if it is already gone, try once under a random suffix.
  private async recoverFromCreationConflictIfNeeded(err: unknown, retry: () => Promise<string>): Promise<string> {
    const conflict = err instanceof DockerError && err.statusCode === 409 ? CONFLICT.exec(err.engineMessage) : null;
    if (!conflict) throw plainError(err instanceof Error ? err.message : String(err));
    this.log(`Unable to create container due to conflict. Attempting to remove container ${conflict[1]}`);
    try {
      // Without force, as upstream: a running container keeps its name, and this call fails.
      await this.docker.removeContainer(conflict[1]!, { volumes: true });
      this.log(`Successfully removed conflicting container: ${conflict[1]}`);
    } catch (rmErr) {
      if (isNotFound(rmErr)) return retry().catch((e: Error) => { throw plainError(e.message); });
    }
    throw plainError((err as Error).message);
  }

  async startContainer(id: string): Promise<void> {
    await this.docker.startContainer(id).catch((err: Error) => {
      if (isNotFound(err)) notFoundOr(err);
      throw plainError(`failed to start container "${id}": ${err.message}`);
    });
  }

  // The engine sends the stop signal, then SIGKILL after `timeout` seconds.
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.docker.stopContainer(id, Math.max(0, timeoutSeconds)).catch(notFoundOr);
  }

  async removeContainer(id: string): Promise<void> {
    await this.docker.removeContainer(id, { force: true, volumes: true }).catch((err) => { if (!isNotFound(err)) throw err; });
  }

  async listContainers(filter: cri.ContainerFilter | null | undefined): Promise<cri.Container[]> {
    const label = [`${CONTAINER_TYPE_LABEL}=${CONTAINER_TYPE_CONTAINER}`, ...Object.entries(filter?.label_selector ?? {}).map(([k, v]) => `${k}=${v}`)];
    if (filter?.pod_sandbox_id) label.push(`${SANDBOX_ID_LABEL}=${filter.pod_sandbox_id}`);
    const rows = await this.docker.listContainers({ all: true, filters: { label, ...(filter?.id ? { id: [filter.id] } : {}) } });
    const out: cri.Container[] = [];
    for (const c of rows) {
      let metadata;
      try { metadata = parseContainerName(c.Names[0] ?? ''); } catch { continue; }
      const state = containerState(c.State);
      if (filter?.state && filter.state.state !== state) continue;
      const { labels, annotations } = extractLabels(c.Labels);
      out.push({
        id: c.Id, pod_sandbox_id: c.Labels[SANDBOX_ID_LABEL] ?? '', metadata, image: { image: c.Image }, image_ref: c.ImageID,
        state, created_at: seconds(c.Created), labels, annotations, image_id: c.ImageID,
      });
    }
    return out;
  }

  async containerStatus(id: string, verbose: boolean): Promise<cri.ContainerStatusResponse> {
    if (!id) throw invalidArgument('container id is required');
    const c = await this.docker.inspectContainer(id).catch(notFoundOr);
    const image = await this.docker.inspectImageByRef(c.Image).catch(() => undefined);
    // toPullableImageID: by repo digest where the image has one, else by id.
    const imageRef = image?.RepoDigests?.[0] ? `docker-pullable://${image.RepoDigests[0]}` : `docker://${c.Image}`;
    const state = containerState(c.State.Status);
    let reason = '';
    if (state === 'CONTAINER_EXITED') reason = c.State.OOMKilled ? 'OOMKilled' : c.State.ExitCode === 0 ? 'Completed' : 'Error';
    const { labels, annotations } = extractLabels(c.Config.Labels);
    return {
      status: {
        id: c.Id, metadata: parseContainerName(c.Name), state,
        created_at: rfc3339ToNanos(c.Created), started_at: rfc3339ToNanos(c.State.StartedAt), finished_at: rfc3339ToNanos(c.State.FinishedAt),
        exit_code: c.State.ExitCode ?? 0, image: { image: c.Config.Image }, image_ref: imageRef, image_id: c.Image,
        reason, message: c.State.Error ?? '', labels, annotations, log_path: c.Config.Labels[CONTAINER_LOG_PATH_LABEL] ?? '',
      },
      info: verbose ? { info: JSON.stringify({ sandboxID: c.Config.Labels[SANDBOX_ID_LABEL] ?? '', pid: c.State.Pid }) } : {},
    };
  }

  async checkContainerRunning(id: string): Promise<void> {
    if (!id) throw invalidArgument('container id is required');
    const c = await this.docker.inspectContainer(id).catch(notFoundOr);
    if (!c.State.Running) throw plainError(`container not running (${c.Id})`);
  }

  async execSync(req: cri.ExecSyncRequest): Promise<cri.ExecSyncResponse> {
    if (!req.cmd?.[0]) throw invalidArgument('cmd is required');
    await this.checkContainerRunning(req.container_id);
    const res = await execSyncThroughEngine(this.opts.execHandler, req.container_id, req.cmd, Number(req.timeout ?? 0));
    return { stdout: res.stdout, stderr: res.stderr, exit_code: res.exitCode };
  }

  // ── images ───────────────────────────────────────────────────────────────
  async listImages(filter: { image: cri.ImageSpec | null } | null | undefined): Promise<cri.Image[]> {
    const images = await this.docker.listImages();
    const want = filter?.image?.image;
    if (!want) return images.map(imageMessage);
    const one = await this.docker.inspectImageByRef(want).catch(() => undefined);
    return one ? images.filter((i) => i.Id === one.Id).map(imageMessage) : [];
  }

  async imageStatus(spec: cri.ImageSpec | null | undefined): Promise<cri.Image | null> {
    if (!spec?.image) throw invalidArgument('ImageSpec.image is required');
    try {
      return imageMessage(await this.docker.inspectImageByRef(spec.image));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async pullImage(spec: cri.ImageSpec | null | undefined): Promise<string> {
    if (!spec?.image) throw invalidArgument('ImageSpec.image is required');
    // The engine's own message ("pull access denied for ...") reaches the pod's ErrImagePull.
    await this.docker.pullImage(spec.image).catch((err: Error) => { throw plainError(err.message); });
    return (await this.docker.inspectImageByRef(spec.image)).Id;
  }

  async close(): Promise<void> { /* the engine owns the containers: they outlive a dockershim restart */ }
}
