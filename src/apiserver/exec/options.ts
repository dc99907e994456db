// PodExecOptions from the query string, and the one check of them the API server makes: the container
// (k8s.io/api/core/v1 PodExecOptions; pkg/registry/core/pod/strategy.go validateContainer).
import { badRequest } from '../../api/status.ts';
import type { Pod } from '../../api/types.ts';
import { queryBool } from '../handlers/http.ts';
import type { PodExecOptions } from './backend.ts';

// The options as the client sent them, before the pod is known (container may still be empty).
export type RequestedExecOptions = PodExecOptions;

// #region exec-options
export function execOptionsFromQuery(query: URLSearchParams): RequestedExecOptions {
  return {
    stdin: queryBool(query, 'stdin'),
    stdout: queryBool(query, 'stdout'),
    stderr: queryBool(query, 'stderr'),
    tty: queryBool(query, 'tty'),
    container: query.get('container') ?? '',
    command: query.getAll('command'),
  };
}

// validateContainer: an empty name means the only container; a given name must exist.
export function validateContainer(container: string, pod: Pod): string {
  const name = pod.metadata.name ?? '';
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
  if (!container) {
    if (pod.spec.containers.length === 1) return pod.spec.containers[0].name;
    if (pod.spec.containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    // Go prints a []string as [a b]: the real message reads exactly so.
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

// All the API server asks of the options. The pod's phase and an empty command are kubectl's checks, made
// before any request; "at least 1 of stdin, stdout, stderr" is the kubelet's (or what plays it, chapter 2).
export function validateExec(pod: Pod, requested: RequestedExecOptions): PodExecOptions {
  return { ...requested, container: validateContainer(requested.container, pod) };
}
// #endregion exec-options
