// Wraps the CRI clients so every call is counted, timed and its errors recorded
// (pkg/kubelet/kuberuntime/instrumented_services.go: instrumentedRuntimeService, instrumentedImageManagerService).
import type { RuntimeMetrics } from './metrics.ts';
import type { RemoteImageService, RemoteRuntimeService } from './remote-runtime.ts';

// The operation_type label of each call, as the kubelet names them.
const RUNTIME_OPERATIONS = {
  version: 'version', status: 'status',
  runPodSandbox: 'run_podsandbox', stopPodSandbox: 'stop_podsandbox', removePodSandbox: 'remove_podsandbox',
  podSandboxStatus: 'podsandbox_status', listPodSandbox: 'list_podsandbox',
  createContainer: 'create_container', startContainer: 'start_container', stopContainer: 'stop_container',
  removeContainer: 'remove_container', listContainers: 'list_containers', containerStatus: 'container_status',
  execSync: 'exec_sync', exec: 'exec', attach: 'attach', portForward: 'port_forward',
} as const;
const IMAGE_OPERATIONS = { listImages: 'list_images', imageStatus: 'image_status', pullImage: 'pull_image' } as const;

export type RuntimeService = Pick<RemoteRuntimeService, keyof typeof RUNTIME_OPERATIONS>;
export type ImageManagerService = Pick<RemoteImageService, keyof typeof IMAGE_OPERATIONS>;

// #region instrumented
function instrument<T extends object>(inner: T, operations: Record<string, string>, metrics: RuntimeMetrics): T {
  const wrapped: Record<string, unknown> = {};
  for (const [method, operation] of Object.entries(operations)) {
    const fn = (inner as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!;
    wrapped[method] = async (...args: unknown[]) => {
      const start = metrics.now();
      metrics.operations.inc(operation);
      try {
        return await fn.apply(inner, args);
      } catch (err) {
        metrics.errors.inc(operation);
        throw err;
      } finally {
        metrics.duration.observe(operation, (metrics.now() - start) / 1000);
      }
    };
  }
  return wrapped as T;
}
// #endregion instrumented

export const instrumentedRuntimeService = (inner: RuntimeService, metrics: RuntimeMetrics): RuntimeService =>
  instrument(inner, RUNTIME_OPERATIONS, metrics);
export const instrumentedImageManagerService = (inner: ImageManagerService, metrics: RuntimeMetrics): ImageManagerService =>
  instrument(inner, IMAGE_OPERATIONS, metrics);
