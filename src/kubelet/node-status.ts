// The kubelet's Node: what it registers, and the heartbeat that keeps its Ready condition fresh
// (pkg/kubelet/kubelet_node_status.go registerWithAPIServer, initialNode, updateNodeStatus, setNodeReadyCondition).
import { arch, cpus, hostname, release, totalmem, type } from 'node:os';
import type { Node, NodeCondition } from '../api/types.ts';
import { StatusError } from '../api/status.ts';
import type { RESTClient } from '../client/rest-client.ts';
import { aggregate } from './runtime-state.ts';

export const kubeletVersion = 'v1.32.0';

export interface NodeFacts {
  nodeName: string;
  hostIP: string;
  port: number;            // the kubelet's HTTP port, published as daemonEndpoints.kubeletEndpoint.Port
  runtimeVersion: string;  // nodeInfo.containerRuntimeVersion, e.g. "host://1.0.0"
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

// #region node-conditions
// The four conditions every kubelet reports; a heartbeat refreshes lastHeartbeatTime and keeps
// lastTransitionTime unless the status changed. Ready is False while anything the kubelet needs is not
// working (ReadyCondition in nodestatus/setters.go): the errors, aggregated, are its message.
export function nodeConditions(previous: NodeCondition[] = [], at = now(), notReady: string[] = []): NodeCondition[] {
  const message = aggregate(notReady);
  const want: NodeCondition[] = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    message === undefined
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message },
  ];
  return want.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime ?? at : at;
    return { ...c, lastHeartbeatTime: at, lastTransitionTime };
  });
}
// #endregion node-conditions

export function initialNode(f: NodeFacts, notReady: string[] = []): Node {
  const capacity = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': '10Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: f.nodeName,
      labels: { 'kubernetes.io/hostname': f.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': goArch(), 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': goArch() },
      annotations: { 'workbook.example/host': hostname() },
    },
    spec: {},
    status: {
      addresses: [{ type: 'InternalIP', address: f.hostIP }, { type: 'Hostname', address: f.nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: f.port } },
      nodeInfo: {
        kubeletVersion, kubeProxyVersion: '', containerRuntimeVersion: f.runtimeVersion,
        operatingSystem: 'linux', architecture: goArch(), kernelVersion: release(), osImage: `${type()} (workbook)`,
        machineID: '', systemUUID: '', bootID: '',
      },
      capacity,
      allocatable: { ...capacity },
      conditions: nodeConditions([], now(), notReady),
    },
  };
}

// registerWithAPIServer: create the Node; if it already exists (a restarted kubelet), take it over
// by updating its status with our facts (the port changed: it is ephemeral).
// notReady: why the node is not Ready (the runtime's errors), empty when it is.
export async function registerNode(client: RESTClient, f: NodeFacts, signal?: AbortSignal, notReady: string[] = []): Promise<Node> {
  const node = initialNode(f, notReady);
  try {
    return await client.post<Node>('/api/v1/nodes', node, undefined, { signal });
  } catch (err) {
    if (!(err instanceof StatusError) || err.code !== 409) throw err;
  }
  const existing = await client.get<Node>(`/api/v1/nodes/${f.nodeName}`, undefined, { signal });
  existing.status = { ...node.status, conditions: nodeConditions(existing.status?.conditions, now(), notReady) };
  return client.put<Node>(`/api/v1/nodes/${f.nodeName}/status`, existing, undefined, { signal });
}

// One heartbeat: read the Node, refresh its conditions and endpoint, write nodes/status.
// A Node someone deleted is registered again, as the real kubelet does.
export async function updateNodeStatus(client: RESTClient, f: NodeFacts, signal?: AbortSignal, notReady: string[] = []): Promise<Node> {
  let node: Node;
  try {
    node = await client.get<Node>(`/api/v1/nodes/${f.nodeName}`, undefined, { signal });
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return registerNode(client, f, signal, notReady);
    throw err;
  }
  const status = node.status ??= {};
  status.conditions = nodeConditions(status.conditions, now(), notReady);
  status.daemonEndpoints = { kubeletEndpoint: { Port: f.port } };
  status.addresses = initialNode(f).status!.addresses;
  return client.put<Node>(`/api/v1/nodes/${f.nodeName}/status`, node, undefined, { signal });
}
