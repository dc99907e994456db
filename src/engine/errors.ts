// The engine's error vocabulary: an error carries the HTTP status moby's errdefs map it to (httpstatus.FromError),
// and is written as {"message": ...}, the body every Docker client prints after "Error response from daemon: ".
export class EngineError extends Error {
  constructor(readonly statusCode: number, message: string) { super(message); }
}

export const invalidParameter = (msg: string) => new EngineError(400, msg);   // errdefs.InvalidParameter
export const notFound = (msg: string) => new EngineError(404, msg);           // errdefs.NotFound
export const conflict = (msg: string) => new EngineError(409, msg);           // errdefs.Conflict
export const notModified = () => new EngineError(304, '');                    // errdefs.NotModified: no body
export const notImplemented = (msg: string) => new EngineError(501, msg);     // errdefs.NotImplemented
export const system = (msg: string) => new EngineError(500, msg);             // errdefs.System

// daemon/errors.go: the words clients match on.
export const noSuchContainer = (ref: string) => notFound(`No such container: ${ref}`);
export const noSuchExec = (id: string) => notFound(`No such exec instance: ${id}`);
export const noSuchImage = (ref: string) => notFound(`No such image: ${ref}`);
export const containerNotRunning = (id: string) => conflict(`container ${id} is not running`);

export function statusOf(err: unknown): number {
  return err instanceof EngineError ? err.statusCode : 500;
}
