// What the kubelet knows of its runtime's health, and the errors that make its node NotReady
// (pkg/kubelet/runtime.go runtimeState; kubelet.go updateRuntimeUp; apimachinery util/errors NewAggregate).
import type { HealthCheck, KubeletRuntime, RuntimeCondition, RuntimeStatus } from './runtime.ts';

// The runtime says it is fine when both conditions are true: an always-up runtime answers this.
export const ALWAYS_UP: RuntimeStatus = { conditions: [
  { type: 'RuntimeReady', status: true, reason: '', message: '' },
  { type: 'NetworkReady', status: true, reason: '', message: '' },
] };

// kubecontainer.RuntimeCondition.String(); a missing condition prints as Go's <nil>.
export const conditionString = (c: RuntimeCondition | undefined) =>
  (c ? `${c.type}=${c.status} reason:${c.reason} message:${c.message}` : '<nil>');

// #region runtime-state
export class RuntimeState {
  private lastBaseRuntimeSync = 0;                 // when the runtime last answered Status with RuntimeReady
  private runtimeError?: string;
  private networkError: string | undefined = 'network state unknown';
  private readonly healthChecks: HealthCheck[] = [];

  // threshold: how long a runtime may go unheard before it counts as down (maxWaitForContainerRuntime, 30 s).
  constructor(private readonly baseRuntimeSyncThresholdMs: number, private readonly now: () => number = Date.now) {}

  addHealthCheck(check: HealthCheck): void { this.healthChecks.push(check); }
  setRuntimeSync(at: number): void { this.lastBaseRuntimeSync = at; }
  setRuntimeState(err: string | undefined): void { this.runtimeError = err; }
  setNetworkState(err: string | undefined): void { this.networkError = err; }

  // runtimeErrors: the reasons not to sync pods, and (with networkErrors) not to be Ready.
  runtimeErrors(): string[] {
    const errs: string[] = [];
    if (!this.lastBaseRuntimeSync) errs.push('container runtime status check may not have completed yet');
    else if (this.lastBaseRuntimeSync + this.baseRuntimeSyncThresholdMs <= this.now()) errs.push('container runtime is down');
    for (const hc of this.healthChecks) {
      const err = hc.check();
      if (err !== undefined) errs.push(`${hc.name} is not healthy: ${err}`);
    }
    if (this.runtimeError) errs.push(this.runtimeError);
    return errs;
  }

  networkErrors(): string[] { return this.networkError ? [this.networkError] : []; }
}

// updateRuntimeUp: ask the runtime's Status. An error leaves everything as it was, so a runtime that stops
// answering turns "down" only once the threshold has passed since it last did.
export async function updateRuntimeUp(runtime: KubeletRuntime, state: RuntimeState, now: () => number = Date.now): Promise<void> {
  const s = runtime.status ? await runtime.status() : ALWAYS_UP;
  const network = s.conditions.find((c) => c.type === 'NetworkReady');
  state.setNetworkState(network?.status ? undefined : `container runtime network not ready: ${conditionString(network)}`);
  const ready = s.conditions.find((c) => c.type === 'RuntimeReady');
  if (!ready?.status) {
    state.setRuntimeState(`container runtime not ready: ${conditionString(ready)}`);
    return;
  }
  state.setRuntimeState(undefined);
  state.setRuntimeSync(now());
}
// #endregion runtime-state

// utilerrors.NewAggregate(errs).Error(): one error is itself, several are "[a, b]" (duplicates once).
export function aggregate(errs: string[]): string | undefined {
  const unique = [...new Set(errs)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
