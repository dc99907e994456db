// The shim's gRPC handlers: RuntimeService and ImageService over a ShimRuntime, and chapter 4's process runtime
// behind that seam (cri-dockerd core/docker_service.go, container_*.go, sandbox_*.go, image*.go).
import { join } from 'node:path';
import type { UntypedServiceImplementation, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import * as grpcStatus from '../cri/grpc-status.ts';
import type * as cri from '../cri/proto.ts';
import { execSync } from './exec-sync.ts';
import { catalogNames, resolveImage, type ImageRef } from './image-catalog.ts';
import type { ProcessRuntime } from './process-runtime.ts';
import type { ContainerRecord, SandboxRecord } from './records.ts';
import type { ShimRuntime } from './runtime.ts';
import type { ShimStreaming } from './streaming.ts';

export const RUNTIME_NAME = 'workbook-shim';
export const RUNTIME_VERSION = '1.0.0';

const { GrpcCode, grpcError, invalidArgument, isServiceError, notFound, plainError } = grpcStatus;

type Handler = (req: any) => unknown | Promise<unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Each handler is a plain async function; this turns its result or error into the gRPC reply,
// so a bug in a handler becomes UNKNOWN for that call and never takes the shim down.
function unary(method: string, fn: Handler, log: (line: string) => void, quiet: boolean): (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => void {
  return (call, cb) => {
    Promise.resolve().then(() => fn(call.request)).then(
      (res) => { if (!quiet) log(`${method} ok`); cb(null, res as object); },
      (err: unknown) => {
        const e = isServiceError(err) ? err : grpcError(GrpcCode.UNKNOWN, err instanceof Error ? err.message : String(err));
        log(`${method} ${GrpcCode[e.code]}: ${e.details}`);
        cb(e);
      },
    );
  };
}

const sandboxMessage = (s: SandboxRecord): cri.PodSandbox => ({
  id: s.id, metadata: s.metadata, state: s.state, created_at: s.createdAt,
  labels: s.labels, annotations: s.annotations, runtime_handler: s.runtimeHandler,
});

const containerMessage = (c: ContainerRecord): cri.Container => ({
  id: c.id, pod_sandbox_id: c.sandboxId, metadata: { name: c.name, attempt: c.attempt },
  image: { image: c.image }, image_ref: c.imageId, state: c.state, created_at: c.createdAt,
  labels: c.labels, annotations: c.annotations, image_id: c.imageId,
});

// #region container-status
function containerStatusMessage(c: ContainerRecord, verbose: boolean): cri.ContainerStatusResponse {
  return {
    status: {
      id: c.id, metadata: { name: c.name, attempt: c.attempt }, state: c.state,
      created_at: c.createdAt, started_at: c.startedAt, finished_at: c.finishedAt, exit_code: c.exitCode,
      image: { image: c.image }, image_ref: c.imageRef, image_id: c.imageId, reason: c.reason, message: c.message,
      labels: c.labels, annotations: c.annotations, log_path: c.logPath,
    },
    // Like containerd's verbose "info": runtime details for debugging tools (and, in chapter 4,
    // for a kubelet that still runs exec itself and must know where the container's process lives).
    info: verbose ? { info: JSON.stringify({ pid: c.pid ?? 0, argv: c.argv, workingDir: c.workingDir, rootfs: c.rootfs, env: c.env, sessionsDir: join(c.dir, 'sessions') }) } : {},
  };
}
// #endregion container-status

const imageMessage = (img: ImageRef): cri.Image => ({
  id: img.id, repo_tags: [img.ref], repo_digests: [], size: img.config.size, username: '', spec: { image: img.ref }, pinned: false,
});

export interface ServiceOptions {
  runtime: ShimRuntime;
  streaming?: ShimStreaming;   // absent until chapter 5
  log?: (line: string) => void;
}

// Chapter 4's runtime behind the seam: the process runtime's records turned into CRI messages, and a set of
// pulled images from the local catalog.
export function processShimRuntime(runtime: ProcessRuntime): ShimRuntime {
  const pulled = new Map<string, ImageRef>();
  const lookup = (spec: cri.ImageSpec | null | undefined): ImageRef | undefined => {
    if (!spec?.image) throw invalidArgument('ImageSpec.image is required');
    const img = resolveImage(spec.image);
    return img && pulled.has(img.ref) ? img : [...pulled.values()].find((p) => p.id === spec.image);
  };
  return {
    version: async () => ({ runtimeName: RUNTIME_NAME, runtimeVersion: RUNTIME_VERSION }),
    runPodSandbox: async (config, handler) => runtime.runPodSandbox(config, handler),
    stopPodSandbox: (id) => runtime.stopPodSandbox(id),
    removePodSandbox: (id) => runtime.removePodSandbox(id),
    // Pods share the node's network here (as hostNetwork pods do): the pod IP is the node's loopback.
    podSandboxStatus: async (id) => ({ ...sandboxMessage(runtime.sandbox(id)), network: { ip: '127.0.0.1', additional_ips: [] } }),
    listPodSandbox: async (filter) => runtime.listPodSandbox(filter).map(sandboxMessage),
    createContainer: async (sandboxId, config) => runtime.createContainer(sandboxId, config),
    startContainer: (id) => runtime.startContainer(id),
    stopContainer: (id, timeout) => runtime.stopContainer(id, timeout),
    removeContainer: (id) => runtime.removeContainer(id),
    listContainers: async (filter) => runtime.listContainers(filter).map(containerMessage),
    containerStatus: async (id, verbose) => containerStatusMessage(runtime.container(id), verbose),
    execSync: async (r) => {
      const c = runtime.runningContainer(r.container_id);
      const res = await execSync({ cwd: c.workingDir, env: c.env, track: (pid) => runtime.sessions(c).add(pid) }, r.cmd, Number(r.timeout ?? 0));
      return { stdout: res.stdout, stderr: res.stderr, exit_code: res.exitCode };
    },
    checkContainerRunning: async (id) => { runtime.runningContainer(id); },
    checkPodSandbox: async (id) => { runtime.sandbox(id); },
    listImages: async (filter) => {
      const want = filter?.image?.image ? resolveImage(filter.image.image)?.ref : undefined;
      return [...pulled.values()].filter((i) => !filter?.image?.image || i.ref === want).map(imageMessage);
    },
    imageStatus: async (spec) => { const img = lookup(spec); return img ? imageMessage(img) : null; },
    pullImage: async (spec) => {
      if (!spec?.image) throw invalidArgument('ImageSpec.image is required');
      const img = resolveImage(spec.image);
      if (!img) {
        throw plainError(`failed to pull image "${spec.image}": pull access denied, repository does not exist or may require authorization (the workbook's images are: ${catalogNames().join(', ')})`);
      }
      pulled.set(img.ref, img);
      return img.id;
    },
    close: () => runtime.close(),
  };
}

export function runtimeServiceHandlers({ runtime, streaming, log = () => {} }: ServiceOptions): UntypedServiceImplementation {
  // A shim without a streaming server answers as cri-dockerd does (streaming.NewErrorStreamingDisabled).
  const requireStreaming = (method: string): ShimStreaming => {
    if (!streaming) throw notFound(`streaming method ${method} disabled`);
    return streaming;
  };
  const handlers: Record<string, Handler> = {
    Version: async () => {
      const v = await runtime.version();
      return { version: '0.1.0', runtime_name: v.runtimeName, runtime_version: v.runtimeVersion, runtime_api_version: 'v1' };
    },
    Status: async () => ({ status: { conditions: await runtime.status?.() ?? [
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      { type: 'NetworkReady', status: true, reason: '', message: '' },
    ] }, info: {} }),

    RunPodSandbox: async (r: { config: cri.PodSandboxConfig | null; runtime_handler: string }) =>
      ({ pod_sandbox_id: await runtime.runPodSandbox(r.config, r.runtime_handler) }),
    StopPodSandbox: async (r: { pod_sandbox_id: string }) => { await runtime.stopPodSandbox(r.pod_sandbox_id); return {}; },
    RemovePodSandbox: async (r: { pod_sandbox_id: string }) => { await runtime.removePodSandbox(r.pod_sandbox_id); return {}; },
    PodSandboxStatus: async (r: { pod_sandbox_id: string }) =>
      ({ status: await runtime.podSandboxStatus(r.pod_sandbox_id), info: {}, containers_statuses: [], timestamp: 0 }),
    ListPodSandbox: async (r: { filter: cri.PodSandboxFilter | null }) => ({ items: await runtime.listPodSandbox(r.filter) }),

    CreateContainer: async (r: { pod_sandbox_id: string; config: cri.ContainerConfig | null; sandbox_config: cri.PodSandboxConfig | null }) =>
      ({ container_id: await runtime.createContainer(r.pod_sandbox_id, r.config, r.sandbox_config) }),
    StartContainer: async (r: { container_id: string }) => { await runtime.startContainer(r.container_id); return {}; },
    StopContainer: async (r: { container_id: string; timeout: string }) => { await runtime.stopContainer(r.container_id, Number(r.timeout)); return {}; },
    RemoveContainer: async (r: { container_id: string }) => { await runtime.removeContainer(r.container_id); return {}; },
    ListContainers: async (r: { filter: cri.ContainerFilter | null }) => ({ containers: await runtime.listContainers(r.filter) }),
    ContainerStatus: (r: { container_id: string; verbose: boolean }) => runtime.containerStatus(r.container_id, r.verbose),

    ExecSync: (r: cri.ExecSyncRequest) => runtime.execSync(r),
    // #region exec
    Exec: async (r: cri.ExecRequest) => {
      const s = requireStreaming('exec');
      await runtime.checkContainerRunning(r.container_id); // NOT_FOUND, or Unknown "container not running (<id>)"
      return { url: s.getExec(r) };                        // validates the request, then caches it under a token
    },
    // #endregion exec
    Attach: async (r: cri.AttachRequest) => {
      const s = requireStreaming('attach');
      await runtime.checkContainerRunning(r.container_id);
      return { url: s.getAttach(r) };
    },
    PortForward: async (r: cri.PortForwardRequest) => {
      const s = requireStreaming('port forward');
      await runtime.checkPodSandbox(r.pod_sandbox_id);
      return { url: s.getPortForward(r) };
    },
  };
  const quiet = new Set(['Version', 'Status', 'ListPodSandbox', 'ListContainers', 'ContainerStatus', 'PodSandboxStatus']);
  return Object.fromEntries(Object.entries(handlers).map(([m, fn]) => [m, unary(`RuntimeService/${m}`, fn, log, quiet.has(m))]));
}

export function imageServiceHandlers({ runtime, log = () => {} }: { runtime: ShimRuntime; log?: (line: string) => void }): UntypedServiceImplementation {
  const handlers: Record<string, Handler> = {
    ListImages: async (r: { filter: { image: cri.ImageSpec | null } | null }) => ({ images: await runtime.listImages(r.filter) }),
    // Not present is an empty answer, not an error: that is how the kubelet learns it must pull.
    ImageStatus: async (r: { image: cri.ImageSpec | null }) => ({ image: await runtime.imageStatus(r.image), info: {} }),
    PullImage: async (r: { image: cri.ImageSpec | null }) => ({ image_ref: await runtime.pullImage(r.image) }),
  };
  return Object.fromEntries(Object.entries(handlers).map(([m, fn]) => [m, unary(`ImageService/${m}`, fn, log, m !== 'PullImage')]));
}
