// Chapter 4's exec strategy: the shim has no streaming server yet, so the kubelet runs the command itself,
// inside the container's folder with its environment, as reported by a verbose ContainerStatus.
// (Old kubelets did this through dockershim's in-process exec handler; chapter 5 replaces it with CRI Exec.)
import { ContainerBoundExecutor } from '../exec/bound-executor.ts';
import type { RuntimeService } from '../cri/instrumented.ts';
import { ContainerSessions } from '../exec/process-groups.ts';
import { GrpcCode } from '../cri/grpc-status.ts';
import { ProcessExecutor, type ProcessSpec } from '../shim/process-executor.ts';
import { criErrorToStatus } from './cri-errors.ts';
import type { CriExecRequest, CriExecStrategy } from './cri-exec.ts';
import type { ExecDestination } from './runtime.ts';

// #region direct-exec
export class DirectExecStrategy implements CriExecStrategy {
  constructor(private readonly hop: string) {}

  async getExec(runtime: RuntimeService, req: CriExecRequest): Promise<ExecDestination> {
    const spec = await this.processSpec(runtime, req.containerId, req.container);
    // The executor asks again at start: the container may stop between this call and the upgrade.
    const inner = new ProcessExecutor(async (id) => (id === req.containerId ? this.processSpec(runtime, id, req.container) : spec), this.hop);
    // The command runs here, outside the container: nothing ends it when the container stops unless we look.
    const executor = new ContainerBoundExecutor(inner, (_target, done) => watchContainer(runtime, req.containerId, done));
    return { kind: 'executor', executor, target: { container: req.containerId, cmd: req.cmd } };
  }

  private async processSpec(runtime: RuntimeService, id: string, name: string): Promise<ProcessSpec> {
    const res = await runtime.containerStatus(id, true).catch((err: unknown) => { throw criErrorToStatus(err); });
    if (res.status?.state !== 'CONTAINER_RUNNING') {
      // The real kubelet's words for a container that is not running: a plain error, so a 500.
      throw new Error(`container not found ("${name}")`);
    }
    const info = JSON.parse(res.info.info ?? '{}') as { workingDir?: string; env?: Record<string, string>; sessionsDir?: string };
    if (!info.workingDir || !info.env) throw new Error(`${this.hop}: the runtime's verbose ContainerStatus says nowhere to run "${name}"`);
    // The command is our child, but it belongs to the container: the runtime ends it with the container.
    const sessions = info.sessionsDir ? new ContainerSessions(info.sessionsDir) : undefined;
    return { cwd: info.workingDir, env: info.env, track: sessions && ((pid) => sessions.add(pid)) };
  }
}
// #endregion direct-exec

const WATCH_INTERVAL_MS = 500;

// Asks ContainerStatus twice a second, while the session lasts, and fires once the container is no longer
// running or no longer exists, or the runtime is gone (UNAVAILABLE: the shim's containers die with it). A slow
// answer proves nothing: keep asking.
function watchContainer(runtime: RuntimeService, id: string, done: AbortSignal): AbortSignal {
  const stopped = new AbortController();
  let asking = false;
  const timer = setInterval(() => {
    if (asking) return;
    asking = true;
    runtime.containerStatus(id).then(
      (res) => { if (res.status?.state !== 'CONTAINER_RUNNING') stopped.abort(); },
      (err: { code?: number }) => { if (err.code === GrpcCode.NOT_FOUND || err.code === GrpcCode.UNAVAILABLE) stopped.abort(); },
    ).finally(() => { asking = false; });
  }, WATCH_INTERVAL_MS);
  const stop = () => clearInterval(timer);
  stopped.signal.addEventListener('abort', stop, { once: true });
  done.addEventListener('abort', stop, { once: true });
  return stopped.signal;
}
