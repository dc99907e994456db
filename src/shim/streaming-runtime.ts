// Chapter 5's half of the shim: a streaming server whose exec runs in process-runtime containers
// (cri-dockerd core/docker_service.go: streaming.NewServer(config, streamingRuntime{client, execHandler})).
import { ContainerBoundExecutor } from '../exec/bound-executor.ts';
import { StreamingServer } from '../streaming/server.ts';
import { ProcessExecutor } from './process-executor.ts';
import type { ProcessRuntime } from './process-runtime.ts';
import type { ShimStreaming } from './streaming.ts';

// The hop's name in errors, as the kubelet names it: shim "shim-node-1" is "runtime shim node-1".
const hopOf = (name: string) => `runtime shim ${name.replace(/^shim-/, '')}`;

// #region streaming-runtime
export async function startStreamingRuntime(ctx: { name: string; runtime: ProcessRuntime; log: (line: string) => void }): Promise<ShimStreaming> {
  // ExecInContainer checks again that the container runs: the token may be used up to a minute after Exec.
  // A session ends when its container stops, as it would in the container's pid namespace.
  const executor = new ContainerBoundExecutor(new ProcessExecutor((id) => {
    const c = ctx.runtime.runningContainer(id);
    return { cwd: c.workingDir, env: c.env, track: (pid) => ctx.runtime.sessions(c).add(pid) };
  }, hopOf(ctx.name)), (target) => ctx.runtime.stoppedSignal(target.container));
  const server = new StreamingServer({ executor, hop: hopOf(ctx.name), log: ctx.log });
  const url = await server.start();
  ctx.log(`streaming server listening on ${url}`);
  return server;
}
// #endregion streaming-runtime
