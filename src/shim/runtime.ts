// The seam under the shim's gRPC handlers: what answers the CRI's RuntimeService and ImageService calls
// (cri-dockerd core/docker_service.go, the DockerService interface). Chapter 4 plugs in the process runtime;
// chapter 6 the engine, driven through the Docker API as dockershim did.
import type * as cri from '../cri/proto.ts';

export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }

export interface ShimRuntime {
  // runtime_name and runtime_version of the CRI Version answer.
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;
  // The CRI Status conditions (RuntimeReady, NetworkReady); absent: both always true.
  status?(): Promise<RuntimeCondition[]>;

  runPodSandbox(config: cri.PodSandboxConfig | null | undefined, runtimeHandler: string): Promise<string>;
  // Idempotent, as the CRI requires: stopping or removing what is gone succeeds.
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<cri.PodSandboxStatus>;
  listPodSandbox(filter: cri.PodSandboxFilter | null | undefined): Promise<cri.PodSandbox[]>;

  createContainer(sandboxId: string, config: cri.ContainerConfig | null | undefined, sandboxConfig: cri.PodSandboxConfig | null | undefined): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter: cri.ContainerFilter | null | undefined): Promise<cri.Container[]>;
  containerStatus(id: string, verbose: boolean): Promise<cri.ContainerStatusResponse>;

  execSync(req: cri.ExecSyncRequest): Promise<cri.ExecSyncResponse>;
  // Before Exec and Attach hand out a URL: NOT_FOUND for an unknown container, Unknown
  // "container not running (<id>)" for a stopped one (libdocker.CheckContainerStatus).
  checkContainerRunning(id: string): Promise<void>;
  checkPodSandbox(id: string): Promise<void>;

  // ImageService. imageStatus answers null for an image that is not there: that is how the kubelet learns to pull.
  listImages(filter: { image: cri.ImageSpec | null } | null | undefined): Promise<cri.Image[]>;
  imageStatus(spec: cri.ImageSpec | null | undefined): Promise<cri.Image | null>;
  pullImage(spec: cri.ImageSpec | null | undefined): Promise<string>;

  close(): Promise<void>;
}
