// The Lease strategy (pkg/registry/coordination/lease/strategy.go): coordination.k8s.io/v1, where each kubelet
// renews its node's heartbeat in kube-node-lease (and leader election keeps its locks, not modelled here).
import type { Lease } from '../../api/types.ts';
import type { TableColumnDefinition } from '../../api/table.ts';
import { age } from '../printers/duration.ts';
import type { RESTStrategy } from './strategy.ts';
import { metaFields } from './strategy.ts';
import { invalidValue, type FieldError } from './validation.ts';

const col = (name: string, description: string, format = ''): TableColumnDefinition => ({ name, type: 'string', format, description, priority: 0 });

// validation.ValidateLeaseSpec: durations and transitions are positive when set.
function validateLease(lease: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const d = lease.spec?.leaseDurationSeconds;
  if (d !== undefined && (!Number.isInteger(d) || d <= 0)) errs.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = lease.spec?.leaseTransitions;
  if (t !== undefined && (!Number.isInteger(t) || t < 0)) errs.push(invalidValue('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  return errs;
}

export const leaseStrategy: RESTStrategy<Lease> = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  shortNames: [],
  namespaced: true,
  prepareForCreate(lease) { lease.spec ??= {}; },
  validate: validateLease,
  prepareForUpdate(lease) { lease.spec ??= {}; },
  validateUpdate: (lease) => validateLease(lease),
  selectableFields: (lease) => metaFields(lease.metadata, true),
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  table: {
    columns: [col('Name', 'Name must be unique within a namespace.', 'name'), col('Holder', 'HolderIdentity contains the identity of the holder of a current lease.'),
      col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
    row: (lease, now) => ({ cells: [lease.metadata.name ?? '', lease.spec?.holderIdentity ?? '', age(lease.metadata.creationTimestamp, now)] }),
  },
};
