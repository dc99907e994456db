// The node and namespace columns of `kubectl get nodes` / `get ns` (pkg/printers/internalversion/printers.go, printNode, printNamespace).
import type { Namespace, Node } from '../../api/types.ts';
import type { TableColumnDefinition } from '../../api/table.ts';
import type { TableConvertor } from '../registry/strategy.ts';
import { age } from './duration.ts';

const col = (name: string, description: string, priority = 0, format = ''): TableColumnDefinition =>
  ({ name, type: 'string', format, description, priority });

export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

// Roles come from node-role.kubernetes.io/<role> labels (and the older kubernetes.io/role).
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const address = (node: Node, type: string) => node.status?.addresses?.find((a) => a.type === type)?.address || '<none>';

export const nodeTable: TableConvertor<Node> = {
  columns: [
    col('Name', 'Name must be unique within a namespace.', 0, 'name'),
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).', 1),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  row: (node, now) => ({
    cells: [
      node.metadata.name ?? '',
      nodeStatus(node),
      nodeRoles(node),
      age(node.metadata.creationTimestamp, now),
      node.status?.nodeInfo?.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      node.status?.nodeInfo?.osImage || '<unknown>',
      node.status?.nodeInfo?.kernelVersion || '<unknown>',
      node.status?.nodeInfo?.containerRuntimeVersion || '<unknown>',
    ],
  }),
};

export const namespaceTable: TableConvertor<Namespace> = {
  columns: [
    col('Name', 'Name must be unique within a namespace.', 0, 'name'),
    col('Status', 'The status of the namespace'),
    col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  row: (ns, now) => ({ cells: [ns.metadata.name ?? '', ns.status?.phase ?? '', age(ns.metadata.creationTimestamp, now)] }),
};
