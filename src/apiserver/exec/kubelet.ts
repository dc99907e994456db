// ExecREST's chapter-3 backend: ExecLocation finds the pod's node and its kubelet, and the upgrade-aware
// proxy carries the exec there (pkg/registry/core/pod/strategy.go ExecLocation, pkg/kubelet/client/kubelet_client.go, rest/subresources.go).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Node, NodeAddress, Pod } from '../../api/types.ts';
import { badRequest, toStatus, type Status } from '../../api/status.ts';
import { UpgradeAwareProxy, type UpgradeAwareProxyOptions } from '../../proxy/upgrade-aware.ts';
import { writeStatusAndClose } from '../../util/raw-response.ts';
import type { ExecBackend, PodExecOptions } from './backend.ts';

// How the API server reads a Node (the registry); throws the NotFound Status for a missing one.
export type NodeGetter = (name: string) => Promise<Node>;

// --kubelet-preferred-address-types: Kubernetes' default order. Hostname first assumes node names
// resolve, which ours ("node-1") do not, so the checkpoint passes InternalIP first, as kubeadm clusters often do.
export const defaultPreferredAddressTypes: NodeAddress['type'][] = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'];
export const defaultKubeletPort = 10250;

export interface ConnectionInfo { scheme: 'http' | 'https'; hostname: string; port: number; nodeName: string }

// #region node-connection-info
// NodeConnectionInfoGetter.GetConnectionInfo: the first address of a preferred type, and the port the
// kubelet published in status.daemonEndpoints (falling back to --kubelet-port).
export function nodeConnectionInfo(node: Node, preferred = defaultPreferredAddressTypes, scheme: 'http' | 'https' = 'http'): ConnectionInfo {
  const addresses = node.status?.addresses ?? [];
  let hostname: string | undefined;
  for (const type of preferred) {
    hostname = addresses.find((a) => a.type === type && a.address)?.address;
    if (hostname) break;
  }
  if (!hostname) {
    const known = addresses.map((a) => `{${a.type} ${a.address}}`).join(' ');
    throw Object.assign(new Error(`no preferred addresses found; known addresses: [${known}]`), { code: 500 });
  }
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || defaultKubeletPort;
  return { scheme, hostname, port, nodeName: node.metadata.name ?? '' };
}
// #endregion node-connection-info

// #region exec-location
// ExecLocation (streamLocation): the kubelet URL for this exec. The public names (stdin, stdout,
// stderr) become the kubelet's (input, output, error), true is written "1", keys sorted.
export function execLocation(pod: Pod, info: ConnectionInfo, opts: PodExecOptions): URL {
  const query = new URLSearchParams();
  for (const c of opts.command) query.append('command', c);
  if (opts.stderr) query.append('error', '1');
  if (opts.stdin) query.append('input', '1');
  if (opts.stdout) query.append('output', '1');
  if (opts.tty) query.append('tty', '1');
  const path = ['exec', pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', opts.container].map(encodeURIComponent).join('/');
  const host = info.hostname.includes(':') ? `[${info.hostname}]` : info.hostname;
  return new URL(`${info.scheme}://${host}:${info.port}/${path}?${query.toString()}`);
}
// #endregion exec-location

export interface KubeletExecBackendOptions {
  getNode: NodeGetter;
  preferredAddressTypes?: NodeAddress['type'][];
  // Chapter 9: https, with a `proxy.dial` that speaks TLS (proxy/tls-dial.ts, from APIContext.kubeletClientTLS).
  scheme?: 'http' | 'https';
  proxy?: Omit<UpgradeAwareProxyOptions, 'hop'>;
  log?: (line: string) => void;
}

// #region kubelet-exec-backend
export class KubeletExecBackend implements ExecBackend {
  constructor(private readonly opts: KubeletExecBackendOptions) {}

  async connect(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Pod, options: PodExecOptions): Promise<void> {
    let location: URL;
    let nodeName: string;
    try {
      nodeName = pod.spec.nodeName ?? '';
      // Scheduled or not is the only question; the pod's phase is not checked here (the kubelet decides).
      if (!nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
      const node = await this.opts.getNode(nodeName);
      location = execLocation(pod, nodeConnectionInfo(node, this.opts.preferredAddressTypes, this.opts.scheme), options);
    } catch (err) {
      return writeStatusAndClose(socket, asStatus(err));
    }
    this.opts.log?.(`exec ${pod.metadata.namespace}/${pod.metadata.name} → kubelet ${nodeName} ${location.origin}${location.pathname}`);
    // A kubelet that dies mid-stream is named on the error channel, not left to a bare close.
    const hop = `kubelet ${nodeName}`;
    await new UpgradeAwareProxy(location, { lostStream: (cause) => `${hop}: connection lost mid-stream: ${cause}`, ...this.opts.proxy, hop }).serveUpgrade(req, socket, head);
  }
}
// #endregion kubelet-exec-backend

function asStatus(err: unknown): Status {
  const code = (err as { code?: unknown }).code;
  if (code === 500 && err instanceof Error) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, code: 500 };
  return toStatus(err);
}
