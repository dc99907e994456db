// How a kubelet process gets its CRI runtime: dial the shim's socket, wrap the clients with metrics, check the
// runtime answers (cmd/kubelet/app: the --container-runtime-endpoint flag, remote.NewRemoteRuntimeService, getRuntimeAndImageServices).
import { DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS, RemoteImageService, RemoteRuntimeService } from '../cri/remote-runtime.ts';
import { instrumentedImageManagerService, instrumentedRuntimeService } from '../cri/instrumented.ts';
import { RuntimeMetrics } from '../cri/metrics.ts';
import { parseDuration } from './duration.ts';
import { CriRuntime } from './cri-runtime.ts';
import type { CriExecStrategy } from './cri-exec.ts';
import type { KubeletRuntimeContext, KubeletWiring } from './run-kubelet.ts';

// --pleg-relist-threshold is the real kubelet's genericPlegRelistThreshold (3 minutes), a flag here.
export const CRI_FLAGS = ['container-runtime-endpoint', 'runtime-request-timeout', 'pleg-relist-threshold'] as const;

// #region cri-wiring
export function criKubeletWiring(exec: (ctx: KubeletRuntimeContext) => CriExecStrategy, extraFlags: readonly string[] = []): KubeletWiring {
  return {
    extraFlags: [...CRI_FLAGS, ...extraFlags],
    runtimeVersion: 'workbook-shim://1.0.0',
    async runtime(ctx) {
      const endpoint = ctx.flags['container-runtime-endpoint'];
      if (!endpoint?.startsWith('unix://')) throw new Error('--container-runtime-endpoint must be unix:///path/to/runtime.sock');
      const timeoutMs = ctx.flags['runtime-request-timeout'] ? parseDuration(ctx.flags['runtime-request-timeout']) : DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS;
      // Each node has its own shim: errors say which one.
      const hop = `runtime shim ${ctx.nodeName}`;
      const remote = new RemoteRuntimeService(endpoint, { hop, timeoutMs });
      const images = new RemoteImageService(endpoint, { hop, timeoutMs });
      const v = await remote.version();
      ctx.log(`Container runtime initialized: ${v.runtime_name} ${v.runtime_version}, CRI ${v.runtime_api_version}, at ${endpoint}`);
      const metrics = new RuntimeMetrics();
      const runtime = new CriRuntime({
        nodeName: ctx.nodeName, hostIP: ctx.hostIP, log: ctx.log, metrics,
        runtime: instrumentedRuntimeService(remote, metrics),
        images: instrumentedImageManagerService(images, metrics),
        exec: exec(ctx),
        plegRelistThresholdMs: parseDuration(ctx.flags['pleg-relist-threshold'] ?? '3m'),
      });
      // The real kubelet's "<type>://<version>" from the runtime's Version: docker://27.5.1 under dockershim.
      runtime.runtimeVersion = `${v.runtime_name}://${v.runtime_version}`;
      const close = runtime.close.bind(runtime);
      runtime.close = async () => { await close(); remote.close(); images.close(); };
      return runtime;
    },
  };
}
// #endregion cri-wiring
