// Objects to meta.k8s.io/v1 Table, for clients that send `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`
// (k8s.io/apiserver/pkg/endpoints/handlers/response.go, asTable).
import { badRequest } from '../../api/status.ts';
import type { IncludeObjectPolicy, Table, TableRow } from '../../api/table.ts';
import type { KObject, TableConvertor } from '../registry/strategy.ts';

export function includeObjectPolicy(query: URLSearchParams): IncludeObjectPolicy {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v === '' ) return 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
  return v;
}

// #region as-table
export function asTable<T extends KObject>(conv: TableConvertor<T>, objs: T[], resourceVersion: string | undefined,
  include: IncludeObjectPolicy, now = new Date()): Table {
  const rows: TableRow[] = objs.map((obj) => {
    const row = conv.row(obj, now);
    // kubectl reads namespace and name for `-A` and `-w` from each row's object.
    if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    if (include === 'Object') row.object = obj;
    return row;
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, columnDefinitions: conv.columns, rows };
}
// #endregion as-table
