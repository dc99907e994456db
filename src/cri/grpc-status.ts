// gRPC status errors as a CRI runtime returns them (the google.golang.org/grpc/status errors of cri-dockerd and containerd).
import { status as GrpcCode, Metadata, type ServiceError } from '@grpc/grpc-js';

export { GrpcCode };

export function grpcError(code: GrpcCode, details: string): ServiceError {
  const err = new Error(`${GrpcCode[code]}: ${details}`) as ServiceError;
  err.code = code;
  err.details = details;
  err.metadata = new Metadata();
  return err;
}

export const invalidArgument = (msg: string) => grpcError(GrpcCode.INVALID_ARGUMENT, msg);
export const notFound = (msg: string) => grpcError(GrpcCode.NOT_FOUND, msg);
export const unimplemented = (msg: string) => grpcError(GrpcCode.UNIMPLEMENTED, msg);
export const deadlineExceeded = (msg: string) => grpcError(GrpcCode.DEADLINE_EXCEEDED, msg);
export const resourceExhausted = (msg: string) => grpcError(GrpcCode.RESOURCE_EXHAUSTED, msg);
// What grpc-go sends for a plain Go error (fmt.Errorf, a Docker client error): code Unknown, the text as is.
// cri-dockerd answers most failures this way.
export const plainError = (msg: string) => grpcError(GrpcCode.UNKNOWN, msg);

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

// The code of any thrown value: a gRPC error keeps its own, anything else is UNKNOWN (as grpc-go does).
export function codeOf(err: unknown): GrpcCode {
  return isServiceError(err) ? err.code : GrpcCode.UNKNOWN;
}
