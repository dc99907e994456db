// Events, read-only: core/v1 and events.k8s.io/v1 lists and watches over one (empty) collection
// (pkg/registry/core/event/strategy.go and pkg/registry/events; both versions are one resource in storage).
import type { Event } from '../../api/types.ts';
import type { TableColumnDefinition } from '../../api/table.ts';
import type { RESTStrategy, TableConvertor } from './strategy.ts';
import { metaFields } from './strategy.ts';

// Nothing in the workbook records events yet, so a list is always empty; kubectl describe still asks for them
// (core/v1, filtered by involvedObject) and must get a list, not a 404. Writes are not served (405).
const col = (name: string, description: string): TableColumnDefinition => ({ name, type: 'string', format: '', description, priority: 0 });

const eventTable: TableConvertor<Event> = {
  columns: [
    col('Last Seen', 'Time when this Event was last observed.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'The object that this event is about.'),
    col('Message', 'A human-readable description of the status of this operation.'),
  ],
  row: (e) => ({ cells: ['<unknown>', e.type ?? '', e.reason ?? '', `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`, e.message ?? ''] }),
};

const readOnly = {
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  verbs: ['get', 'list', 'watch'] as const,
  prepareForCreate() {},
  validate: () => [],
  prepareForUpdate() {},
  validateUpdate: () => [],
  table: eventTable,
};

const involved = (e: Event, prefix: string) => ({
  [`${prefix}.kind`]: e.involvedObject?.kind ?? '', [`${prefix}.namespace`]: e.involvedObject?.namespace ?? '',
  [`${prefix}.name`]: e.involvedObject?.name ?? '', [`${prefix}.uid`]: e.involvedObject?.uid ?? '',
  [`${prefix}.apiVersion`]: '', [`${prefix}.resourceVersion`]: '', [`${prefix}.fieldPath`]: '',
});
const objectFields = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

// core/v1: the field labels event.ToSelectableFields offers (what `kubectl describe` filters by).
export const eventStrategy: RESTStrategy<Event> = {
  ...readOnly,
  resource: 'events',
  shortNames: ['ev'],
  selectableFields: (e) => ({ ...metaFields(e.metadata, true), ...involved(e, 'involvedObject'), reason: e.reason ?? '', reportingComponent: '', source: '', type: e.type ?? '' }),
  fieldLabels: ['metadata.name', 'metadata.namespace', ...objectFields.map((f) => `involvedObject.${f}`), 'reason', 'reportingComponent', 'source', 'type'],
};

// events.k8s.io/v1: the same events, "involvedObject" renamed "regarding".
export const eventsV1Strategy: RESTStrategy<Event> = {
  ...readOnly,
  group: 'events.k8s.io',
  version: 'v1',
  resource: 'events',
  shortNames: ['ev'],
  selectableFields: (e) => ({ ...metaFields(e.metadata, true), ...involved(e, 'regarding'), reason: e.reason ?? '', reportingController: '', type: e.type ?? '' }),
  fieldLabels: ['metadata.name', 'metadata.namespace', ...objectFields.map((f) => `regarding.${f}`), 'reason', 'reportingController', 'type'],
};
