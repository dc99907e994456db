// Chapter 5's half of the shim: a streaming server whose exec runs in process-runtime containers
// (cri-dockerd core/docker_service.go: streaming.NewServer(config, streamingRuntime{client, execHandler})).
import { ContainerBoundExecutor } from '../exec/bound-executor.ts';
import { parseDuration } from '../kubelet/duration.ts';
import { StreamingServer, type StreamingServerOptions } from '../streaming/server.ts';
import { ProcessExecutor } from './process-executor.ts';
import type { ProcessRuntime } from './process-runtime.ts';
import { Spawner } from './spawner.ts';
import type { ShimStreaming } from './streaming.ts';

// The hop's name in errors, as the kubelet names it: shim "shim-node-1" is "runtime shim node-1".
const hopOf = (name: string) => `runtime shim ${name.replace(/^shim-/, '')}`;

// The kubelet's flag name, which set dockershim's streaming server (default 4h0m0s). cri-dockerd has the same
// field (StreamingConnectionIdleTimeout) but no flag for it, so its sessions never time out; containerd's
// stream_idle_timeout defaults to 4 h.
export const STREAMING_FLAGS = ['streaming-connection-idle-timeout'];

// The same runtime serving another protocol set (chapter 8's test of the process shim: streamingRuntime({ serveStream: serveRemoteCommand })).
export const streamingRuntime = (extra: Pick<StreamingServerOptions, 'serveStream'>) =>
  (ctx: Parameters<typeof startStreamingRuntime>[0]) => startStreamingRuntime(ctx, extra);

// #region streaming-runtime
export async function startStreamingRuntime(ctx: { name: string; runtime: ProcessRuntime; log: (line: string) => void; flags?: Record<string, string | undefined> }, extra: Pick<StreamingServerOptions, 'serveStream'> = {}): Promise<ShimStreaming> {
  // Exec processes are forked by a helper process (shim/spawner.ts): a fork stops the forking loop for milliseconds.
  const spawner = new Spawner();
  // ExecInContainer checks again that the container runs: the token may be used up to a minute after Exec.
  // A session ends when its container stops, as it would in the container's pid namespace.
  const executor = new ContainerBoundExecutor(new ProcessExecutor((id) => {
    const c = ctx.runtime.runningContainer(id);
    return { cwd: c.workingDir, env: c.env, track: (pid) => ctx.runtime.sessions(c).add(pid) };
  }, hopOf(ctx.name), spawner), (target) => ctx.runtime.stoppedSignal(target.container));
  const idle = ctx.flags?.['streaming-connection-idle-timeout'];
  const server = new StreamingServer({
    executor, hop: hopOf(ctx.name), log: ctx.log, ...extra,
    ...(idle !== undefined ? { streamIdleTimeoutMs: parseDuration(idle) } : {}), // else DefaultConfig's 4 h
  });
  const url = await server.start();
  ctx.log(`streaming server listening on ${url}`);
  const closeServer = server.close.bind(server);
  return Object.assign(server, { close: () => closeServer().finally(() => spawner.close()) });
}
// #endregion streaming-runtime
