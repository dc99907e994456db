// The node and namespace strategies (pkg/registry/core/node/strategy.go, pkg/registry/core/namespace/strategy.go).
import type { Namespace, Node } from '../../api/types.ts';
import { namespaceTable, nodeTable } from '../printers/nodes.ts';
import type { RESTStrategy } from './strategy.ts';
import { metaFields } from './strategy.ts';

export const nodeStrategy: RESTStrategy<Node> = {
  resource: 'nodes',
  singular: 'node',
  kind: 'Node',
  shortNames: ['no'],
  namespaced: false,
  // A kubelet registers its Node with status already filled in, so create keeps it.
  prepareForCreate(node) { node.spec ??= {}; node.status ??= {}; },
  validate: () => [],
  // The main resource cannot change status: that is nodes/status (nodeStrategy.PrepareForUpdate).
  prepareForUpdate(node, old) { node.spec ??= {}; node.status = old.status; },
  validateUpdate: () => [],
  selectableFields: (node) => ({ ...metaFields(node.metadata, false), 'spec.unschedulable': String(Boolean(node.spec?.unschedulable)) }),
  fieldLabels: ['metadata.name', 'spec.unschedulable'],
  table: nodeTable,
};

export const namespaceStrategy: RESTStrategy<Namespace> = {
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  shortNames: ['ns'],
  namespaced: false,
  nameIsLabel: true,
  prepareForCreate(ns) { ns.spec = { finalizers: ['kubernetes'] }; ns.status = { phase: 'Active' }; },
  validate: () => [],
  prepareForUpdate(ns, old) { ns.spec = old.spec; ns.status = old.status; },
  validateUpdate: () => [],
  selectableFields: (ns) => ({ ...metaFields(ns.metadata, false), 'status.phase': ns.status?.phase ?? '' }),
  fieldLabels: ['metadata.name', 'status.phase'],
  table: namespaceTable,
};
