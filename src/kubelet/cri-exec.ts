// The kubelet's exec strategy over CRI: once the runtime manager has found the running container, where does
// the stream go? (kubeGenericRuntimeManager.GetExec; chapter 4 runs the command itself, chapter 5 asks CRI Exec for a URL.)
import type { Pod } from '../api/types.ts';
import type { RuntimeService } from '../cri/instrumented.ts';
import type { ExecDestination, ExecStreamOptions } from './runtime.ts';

export interface CriExecRequest {
  pod: Pod;
  container: string;
  containerId: string;
  cmd: string[];
  opts: ExecStreamOptions;
}

export interface CriExecStrategy {
  getExec(runtime: RuntimeService, req: CriExecRequest): Promise<ExecDestination>;
}
