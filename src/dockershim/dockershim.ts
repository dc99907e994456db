// Chapter 6's shim halves: the CRI runtime over an engine's Docker API, and a streaming server whose execs run
// through the engine's exec API (cri-dockerd cmd/server.go NewDockerService: libdocker client, streaming.NewServer
// with streamingRuntime{client, NativeExecHandler}).
import { parseDuration } from '../kubelet/duration.ts';
import type { ShimContext, ShimRuntimeParts } from '../shim/shim.ts';
import type { ShimStreaming } from '../shim/streaming.ts';
import { StreamingServer, type StreamingServerOptions } from '../streaming/server.ts';
import { waitFor } from '../util/wait.ts';
import { DockerClient } from './docker-client.ts';
import { DockerService } from './docker-service.ts';
import { NativeExecHandler } from './exec.ts';
import { Libdocker } from './libdocker.ts';

// cri-dockerd's flags (--docker-endpoint, --pod-infra-container-image) and the kubelet's idle timeout.
export const DOCKERSHIM_FLAGS = ['docker-endpoint', 'pod-infra-container-image', 'streaming-connection-idle-timeout'];
const DEFAULT_ENDPOINT = 'unix:///var/run/docker.sock';

// The hop's name in errors, as the kubelet names it: shim "shim-node-1" is "runtime shim node-1".
const hopOf = (name: string) => `runtime shim ${name.replace(/^shim-/, '')}`;

export interface Dockershim { docker: Libdocker; service: DockerService; hop: string }

export async function startDockerService(ctx: ShimContext): Promise<ShimRuntimeParts<Dockershim>> {
  const endpoint = ctx.flags['docker-endpoint'] || DEFAULT_ENDPOINT;
  const client = new DockerClient(endpoint);
  // As cri-dockerd at start: wait for the engine to answer /_ping (it may still be starting), then negotiate.
  // An engine too old is refused at once: waiting will not make it newer.
  let tooOld: Error | undefined;
  const version = await waitFor(async () => {
    try { return await client.negotiate(); } catch (err) {
      if (!/minimum supported/.test((err as Error).message)) throw err;
      tooOld = err as Error;
      return 'refused';
    }
  }, { timeoutMs: 30_000, intervalMs: 200, what: `the engine at ${endpoint}` });
  if (tooOld) throw tooOld;
  const docker = new Libdocker(client);
  const hop = hopOf(ctx.name);
  const engine = await docker.version();
  ctx.log(`connected to the engine at ${endpoint}: Docker ${engine.Version}, API ${version}`);
  // ExecSync's errors go back over gRPC, where the kubelet's client names the hop: no prefix here.
  const execSyncHandler = new NativeExecHandler(docker, { hop: '', inspectIntervalMs: 250, log: ctx.log });
  const service = new DockerService(docker, { execHandler: execSyncHandler, podSandboxImage: ctx.flags['pod-infra-container-image'], log: ctx.log });
  return { runtime: { docker, service, hop }, service };
}

// Chapter 8's dockershim serves upstream's protocol sets: dockerStreaming({ serveStream: serveRemoteCommand }).
export const dockerStreaming = (extra: Pick<StreamingServerOptions, 'serveStream'>) =>
  (ctx: Parameters<typeof startDockerStreaming>[0]) => startDockerStreaming(ctx, extra);

export async function startDockerStreaming(ctx: { name: string; runtime: Dockershim; log: (line: string) => void; flags?: Record<string, string | undefined> }, extra: Pick<StreamingServerOptions, 'serveStream'> = {}): Promise<ShimStreaming> {
  // No ContainerBoundExecutor here: a container's pid namespace ends its execs when the engine stops it.
  const executor = new NativeExecHandler(ctx.runtime.docker, { hop: ctx.runtime.hop, inspectIntervalMs: 250, log: ctx.log });
  const idle = ctx.flags?.['streaming-connection-idle-timeout'];
  const server = new StreamingServer({
    executor, hop: ctx.runtime.hop, log: ctx.log, ...extra,
    ...(idle !== undefined ? { streamIdleTimeoutMs: parseDuration(idle) } : {}),
  });
  const url = await server.start();
  ctx.log(`streaming server listening on ${url}`);
  return server;
}
