// meta.k8s.io/v1 Table: the server-side printing format kubectl asks for (k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
import type { ObjectMeta } from './types.ts';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  // 0 is shown by default; kubectl shows priority > 0 columns only with -o wide.
  priority: number;
}

export interface TableRowCondition { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string }

export interface PartialObjectMetadata { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: ObjectMeta }

export interface TableRow {
  cells: (string | number | boolean)[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

// ?includeObject= on a Table request: what each row's `object` carries (metav1.IncludeObjectPolicy).
export type IncludeObjectPolicy = 'None' | 'Metadata' | 'Object';
