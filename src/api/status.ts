// metav1.Status: the one error vocabulary at the API boundary (k8s.io/apimachinery/pkg/api/errors).
export interface StatusCause { reason?: string; message?: string; field?: string }
export interface StatusDetails { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number }
export interface Status {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

// A StatusError carries a Status through the layers until a hop writes it out.
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'unknown error');
    this.name = 'StatusError';
  }
  get code(): number { return this.status.code ?? 500; }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });
}

// resource is the plural ("pods"), group '' for the core group, as the real server writes them.
export const notFound = (resource: string, name: string) =>
  failure(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
export const alreadyExists = (resource: string, name: string) =>
  failure(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
export const conflict = (resource: string, name: string, why: string) =>
  failure(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, { name, kind: resource });
export const badRequest = (message: string) => failure(400, 'BadRequest', message);
// Like field.ErrorList.ToAggregate(): one error reads bare, several are bracketed.
export const invalid = (kind: string, name: string, causes: StatusCause[]) => {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, { name, kind, causes });
};
// 422 without field causes: a patch that cannot be applied (apierrors.NewGenericServerResponse with StatusUnprocessableEntity).
export const unprocessable = (message: string) => failure(422, 'Invalid', message);
export const methodNotAllowed = (message = 'the server does not allow this method on the requested resource') =>
  failure(405, 'MethodNotAllowed', message);
export const unsupportedMediaType = (contentType: string) =>
  failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] });
export const notAcceptable = () => failure(406, 'NotAcceptable', 'the server was unable to respond with a content type that the client supports');
export const forbidden = (message: string) => failure(403, 'Forbidden', message);
// No credential the server accepts (apierrors.NewUnauthorized): the handler chain's 401, always worded "Unauthorized".
export const unauthorized = (message = 'Unauthorized') => failure(401, 'Unauthorized', message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  failure(429, 'TooManyRequests', message, { retryAfterSeconds });
export const internalError = (err: unknown) =>
  failure(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`, { causes: [{ message: err instanceof Error ? err.message : String(err) }] });
export const serviceUnavailable = (message: string) => failure(503, 'ServiceUnavailable', message);
// 410 Gone: a watch asked for history the server no longer keeps (storage.NewTooLargeResourceVersionError's sibling).
export const expired = (message: string) => failure(410, 'Expired', message);
export const requestEntityTooLarge = (message: string) => failure(413, 'RequestEntityTooLarge', message);
export const notFoundPath = () => failure(404, 'NotFound', 'the server could not find the requested resource', {});

// Any thrown value becomes a Status: a StatusError keeps its own, anything else is a 500.
export function toStatus(err: unknown): Status {
  return err instanceof StatusError ? err.status : internalError(err).status;
}
