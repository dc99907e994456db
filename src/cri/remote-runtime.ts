// The kubelet's CRI client: every call with a deadline, every error naming the runtime hop
// (kubernetes pkg/kubelet/cri/remote/remote_runtime.go RemoteRuntimeService and remote_image.go RemoteImageService).
import * as grpc from '@grpc/grpc-js';
import { runtimeV1 } from './proto.ts';
import type * as cri from './proto.ts';
import { GrpcCode } from './grpc-status.ts';

// The kubelet's --runtime-request-timeout defaults to 2 minutes.
export const DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS = 2 * 60_000;
// Like the kubelet's maxMsgSize (16 MiB), doubled so one ExecSync can carry both capped outputs.
const MAX_MESSAGE_BYTES = 2 * 16 * 1024 * 1024 + 64 * 1024;

// grpc-go's names for status codes, so errors read like the kubelet's: "rpc error: code = NotFound desc = ...".
const GO_CODE_NAMES: Record<number, string> = {
  0: 'OK', 1: 'Canceled', 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 6: 'AlreadyExists',
  7: 'PermissionDenied', 8: 'ResourceExhausted', 9: 'FailedPrecondition', 10: 'Aborted', 11: 'OutOfRange',
  12: 'Unimplemented', 13: 'Internal', 14: 'Unavailable', 15: 'DataLoss', 16: 'Unauthenticated',
};

// A failed CRI call: the gRPC code (what the kubelet decides on) and a message that names the hop.
export class CriError extends Error {
  constructor(readonly code: GrpcCode, readonly details: string, readonly hop: string, readonly method: string, plain = false) {
    super(plain ? `${hop}: ${details}` : `${hop}: rpc error: code = ${GO_CODE_NAMES[code] ?? code} desc = ${details}`);
    this.name = 'CriError';
  }
}

// A call that succeeded at the gRPC level but whose answer is unusable: the client's own plain error
// (errors.New in remote_runtime.go), which status.Code reads as Unknown and the kubelet answers with a 500.
const answerError = (details: string, hop: string, method: string) => new CriError(GrpcCode.UNKNOWN, details, hop, method, true);

// Whole seconds as Go's time.Duration prints them: "1s", "1m30s", "2h0m0s".
const goSeconds = (total: number): string => {
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), sec = total % 60;
  return h ? `${h}h${m}m${sec}s` : m ? `${m}m${sec}s` : `${sec}s`;
};

// No deadline: the call runs until it answers or the kubelet gives up on it (context.WithCancel upstream).
export const NO_DEADLINE = Infinity;

export interface RemoteOptions {
  hop: string;                  // e.g. "runtime shim node-1"
  timeoutMs?: number;
}

// #region remote-runtime
// One client per CRI service; the channel reconnects by itself when the shim comes back, and we keep
// its back-off short (the default grows to two minutes) so a restarted shim is found within a second.
abstract class RemoteService {
  protected readonly client: grpc.Client;
  readonly hop: string;
  readonly timeoutMs: number;

  constructor(ctor: grpc.ServiceClientConstructor, endpoint: string, opts: RemoteOptions) {
    this.hop = opts.hop;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS;
    this.client = new ctor(endpoint, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    });
  }

  protected call<Res>(method: string, request: object, timeoutMs = this.timeoutMs): Promise<Res> {
    const fn = (this.client as unknown as Record<string, grpc.requestCallback<Res> & ((...a: unknown[]) => void)>)[method]!;
    return new Promise<Res>((resolve, reject) => {
      fn.call(this.client, request, new grpc.Metadata(), { deadline: timeoutMs === NO_DEADLINE ? Infinity : Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res?: Res) => {
        // grpc-js ends some details with an empty "Resolution note: "; it says nothing, so it goes.
        if (err) reject(new CriError(err.code, (err.details || err.message).replace(/\s*Resolution note:\s*$/, ''), this.hop, method));
        else resolve(res!);
      });
    });
  }

  close(): void { this.client.close(); }
}

export class RemoteRuntimeService extends RemoteService {
  constructor(endpoint: string, opts: RemoteOptions) { super(runtimeV1.RuntimeService, endpoint, opts); }

  version(apiVersion = '0.1.0') { return this.call<cri.VersionResponse>('Version', { version: apiVersion }); }
  async status() { return this.call<{ status: { conditions: { type: string; status: boolean; reason: string; message: string }[] } | null }>('Status', {}); }

  async runPodSandbox(config: cri.PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    return (await this.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config, runtime_handler: runtimeHandler })).pod_sandbox_id;
  }
  async stopPodSandbox(id: string): Promise<void> { await this.call('StopPodSandbox', { pod_sandbox_id: id }); }
  async removePodSandbox(id: string): Promise<void> { await this.call('RemovePodSandbox', { pod_sandbox_id: id }); }
  async podSandboxStatus(id: string, verbose = false): Promise<cri.PodSandboxStatus> {
    return (await this.call<{ status: cri.PodSandboxStatus }>('PodSandboxStatus', { pod_sandbox_id: id, verbose })).status;
  }
  async listPodSandbox(filter?: cri.PodSandboxFilter): Promise<cri.PodSandbox[]> {
    return (await this.call<{ items: cri.PodSandbox[] }>('ListPodSandbox', { filter })).items;
  }

  async createContainer(podSandboxId: string, config: cri.ContainerConfig, sandboxConfig: cri.PodSandboxConfig): Promise<string> {
    return (await this.call<{ container_id: string }>('CreateContainer', { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig })).container_id;
  }
  async startContainer(id: string): Promise<void> { await this.call('StartContainer', { container_id: id }); }
  // The deadline covers the grace period, as the kubelet's does (timeout + the default).
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call('StopContainer', { container_id: id, timeout: timeoutSeconds }, this.timeoutMs + timeoutSeconds * 1000);
  }
  async removeContainer(id: string): Promise<void> { await this.call('RemoveContainer', { container_id: id }); }
  async listContainers(filter?: cri.ContainerFilter): Promise<cri.Container[]> {
    return (await this.call<{ containers: cri.Container[] }>('ListContainers', { filter })).containers;
  }
  containerStatus(id: string, verbose = false) { return this.call<cri.ContainerStatusResponse>('ContainerStatus', { container_id: id, verbose }); }

  // A timeout of 0 means no timeout at all, at the runtime and on the call (remote_runtime.go ExecSync: "Do not
  // set timeout when timeout is 0"); otherwise the deadline is the command's timeout plus the default, for cleanup.
  // A DeadlineExceeded (the runtime's, for the command's timeout) becomes ErrCommandTimedOut's text.
  execSync(id: string, cmd: string[], timeoutSeconds = 0) {
    const deadline = timeoutSeconds === 0 ? NO_DEADLINE : this.timeoutMs + timeoutSeconds * 1000;
    return this.call<cri.ExecSyncResponse>('ExecSync', { container_id: id, cmd, timeout: timeoutSeconds }, deadline).catch((err: unknown) => {
      if (!(err instanceof CriError && err.code === GrpcCode.DEADLINE_EXCEEDED)) throw err;
      throw new CriError(err.code, `command timed out: ${JSON.stringify(cmd.join(' '))} timed out after ${goSeconds(timeoutSeconds)}`, this.hop, 'ExecSync', true);
    });
  }
  // A runtime that answers without a URL has answered nothing the kubelet can use.
  async exec(req: cri.ExecRequest): Promise<string> { return this.streamingURL('Exec', await this.call<{ url: string }>('Exec', req)); }
  async attach(req: cri.AttachRequest): Promise<string> { return this.streamingURL('Attach', await this.call<{ url: string }>('Attach', req)); }
  async portForward(req: cri.PortForwardRequest): Promise<string> { return this.streamingURL('PortForward', await this.call<{ url: string }>('PortForward', req)); }

  private streamingURL(method: string, res: { url: string }): string {
    if (!res.url) throw answerError('URL is not set', this.hop, method);
    return res.url;
  }
}
// #endregion remote-runtime

export class RemoteImageService extends RemoteService {
  constructor(endpoint: string, opts: RemoteOptions) { super(runtimeV1.ImageService, endpoint, opts); }

  async listImages(image?: string): Promise<cri.Image[]> {
    return (await this.call<{ images: cri.Image[] }>('ListImages', { filter: image ? { image: { image } } : undefined })).images;
  }
  async imageStatus(image: string): Promise<cri.Image | null> {
    return (await this.call<{ image: cri.Image | null }>('ImageStatus', { image: { image } })).image;
  }
  // No deadline: a pull takes as long as the image is large (remote_image.go PullImage: context.WithCancel).
  // An Unknown code says nothing, so it is dropped from the message (pullImageV1), and the pod's ErrImagePull
  // reads as the runtime wrote it.
  async pullImage(image: string, sandboxConfig?: cri.PodSandboxConfig): Promise<string> {
    const ref = (await this.call<{ image_ref: string }>('PullImage', { image: { image }, sandbox_config: sandboxConfig }, NO_DEADLINE).catch((err: unknown) => {
      throw err instanceof CriError && err.code === GrpcCode.UNKNOWN ? answerError(err.details, this.hop, 'PullImage') : err;
    })).image_ref;
    if (!ref) throw answerError(`imageRef of image ${JSON.stringify(image)} is not set`, this.hop, 'PullImage');
    return ref;
  }
}
