// Chapter 5's exec strategy: CRI Exec returns a URL on the runtime's streaming server, which the kubelet
// proxies to (kubeGenericRuntimeManager.GetExec, then server.go proxyStream), or, in the historical
// --redirect-container-streaming mode, sends the client to with a 302.
import type { RuntimeService } from '../cri/instrumented.ts';
import { criErrorToStatus } from './cri-errors.ts';
import type { CriExecRequest, CriExecStrategy } from './cri-exec.ts';
import type { ExecDestination } from './runtime.ts';

// #region streaming-exec
export class StreamingExecStrategy implements CriExecStrategy {
  constructor(private readonly opts: { redirect?: boolean } = {}) {}

  async getExec(runtime: RuntimeService, req: CriExecRequest): Promise<ExecDestination> {
    const { stdin, stdout, stderr, tty } = req.opts;
    try {
      const url = await runtime.exec({ container_id: req.containerId, cmd: req.cmd, tty, stdin, stdout, stderr: stderr && !tty });
      return { kind: 'url', url, ...(this.opts.redirect ? { redirect: true } : {}) };
    } catch (err) {
      throw criErrorToStatus(err); // RESOURCE_EXHAUSTED from a full token cache becomes 429 + Retry-After
    }
  }
}
// #endregion streaming-exec
