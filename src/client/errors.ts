// Turns a failed HTTP response into a StatusError carrying the server's metav1.Status (client-go rest/request.go transformResponse, newUnstructuredResponseError).
import type { Status } from '../api/status.ts';
import { StatusError } from '../api/status.ts';

// Reasons client-go invents when the body is not a Status (apimachinery/pkg/api/errors NewGenericServerResponse).
const generic: Record<number, [reason: string, message: string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  406: ['NotAcceptable', 'the server was unable to respond with a content type that the client supports'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Expired', 'the server could not find the requested resource'],
  415: ['UnsupportedMediaType', 'the server was unable to respond with a content type that the client supports'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

export function isStatus(v: unknown): v is Status {
  return typeof v === 'object' && v !== null && (v as Status).status !== undefined
    && ((v as { kind?: string }).kind === 'Status' || (v as Status).status === 'Failure' || (v as Status).status === 'Success');
}

export function statusFromResponse(statusCode: number, body: Uint8Array): Status {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    if (isStatus(parsed) && parsed.status === 'Failure') return { ...parsed, code: parsed.code ?? statusCode };
  } catch { /* not JSON: fall through to the generic words */ }
  const [reason, message] = generic[statusCode] ?? ['', `an error on the server ("${Buffer.from(body).toString('utf8').slice(0, 200)}") has prevented the request from succeeding`];
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: reason || undefined, message, code: statusCode };
}

export function statusErrorFromResponse(statusCode: number, body: Uint8Array): StatusError {
  return new StatusError(statusFromResponse(statusCode, body));
}

// A transport failure (no HTTP answer at all), naming the server the client tried to reach.
export class ConnectionError extends Error {
  constructor(readonly server: string, readonly cause: NodeJS.ErrnoException) {
    super(`${server}: ${cause.message}`);
    this.name = 'ConnectionError';
  }
  get code(): string | undefined { return this.cause.code; }
}
