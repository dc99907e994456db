// How an admission refusal reads at the API boundary (k8s.io/apiserver/pkg/admission/errors.go NewForbidden).
import { StatusError } from '../../api/status.ts';
import type { Attributes } from './interfaces.ts';

// admission.NewForbidden: apierrors.NewForbidden on the parent resource ("pods", not "pods/exec") and the name,
// so a refused exec reads `pods "web" is forbidden: <why>` with reason Forbidden and code 403.
export function admissionForbidden(a: Attributes, why: string): StatusError {
  const resource = a.resource.group ? `${a.resource.resource}.${a.resource.group}` : a.resource.resource;
  const message = `${resource} "${a.name}" is forbidden: ${why}`;
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden',
    details: { name: a.name, group: a.resource.group || undefined, kind: a.resource.resource }, code: 403,
  });
}
