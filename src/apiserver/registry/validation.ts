// Field errors and name checks with the real server's wording (k8s.io/apimachinery/pkg/util/validation and .../validation/field).
import type { StatusCause } from '../../api/status.ts';

export type FieldError = StatusCause & { field: string; message: string };

const q = (v: unknown) => JSON.stringify(v);

export const required = (field: string, detail?: string): FieldError =>
  ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
export const invalidValue = (field: string, value: unknown, detail: string): FieldError =>
  ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${q(value)}: ${detail}` });
export const duplicate = (field: string, value: unknown): FieldError =>
  ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${q(value)}` });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError =>
  ({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${q(value)}: supported values: ${supported.map(q).join(', ')}` });
export const forbiddenField = (field: string, detail: string): FieldError =>
  ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// IsDNS1123Label: container names, namespace names.
export function dns1123LabelErrors(field: string, value: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.length > 63) errs.push(invalidValue(field, value, 'must be no more than 63 characters'));
  if (!DNS1123_LABEL.test(value)) {
    errs.push(invalidValue(field, value, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
  }
  return errs;
}

// IsDNS1123Subdomain: pod and node names.
export function dns1123SubdomainErrors(field: string, value: string): FieldError[] {
  const errs: FieldError[] = [];
  if (value.length > 253) errs.push(invalidValue(field, value, 'must be no more than 253 characters'));
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(invalidValue(field, value, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
  }
  return errs;
}

export const isDNSLabel = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);

// Names end up in storage keys and, later, in paths on disk: the only safe names are valid ones.
export function isSafeName(name: string): boolean {
  return DNS1123_SUBDOMAIN.test(name) && name.length <= 253;
}
