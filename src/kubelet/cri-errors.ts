// What the kubelet makes of a failed CRI call at its HTTP boundary (kubelet pkg/cri/streaming/errors.go WriteError:
// NotFound → 404, ResourceExhausted → 429 with Retry-After, anything else → 500).
import { StatusError, internalError, tooManyRequests, type Status } from '../api/status.ts';
import { CriError } from '../cri/remote-runtime.ts';
import { GrpcCode } from '../cri/grpc-status.ts';

// The streaming server's cap is full: try again once its tokens have expired (the cache TTL).
export const RETRY_AFTER_SECONDS = 60;

export function criErrorToStatus(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (!(err instanceof CriError)) return internalError(err);
  if (err.code === GrpcCode.RESOURCE_EXHAUSTED) return tooManyRequests(err.message, RETRY_AFTER_SECONDS);
  if (err.code === GrpcCode.NOT_FOUND) {
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: err.message };
    return new StatusError(status);
  }
  // A plain 500 with the error's words, as the kubelet's WriteError writes it.
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, message: err.message });
}
