// The Status on the error channel: server-side builders and the client-side decoder (kubelet cri/streaming/remotecommand/httpstream.go, client-go tools/remotecommand/v4.go).
import type { Status } from '../api/status.ts';
import type { ProtocolInfo } from './protocols.ts';

// #region builders
// json.Marshal(metav1.Status) with empty TypeMeta: no kind/apiVersion, and "metadata":{} always.
export function successStatus(): Status {
  return { metadata: {}, status: 'Success' };
}

// errText is what Go's ExitError prints: "exit status 42", or "signal: killed".
export function nonZeroExitStatus(exitCode: number, errText = `exit status ${exitCode}`): Status {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${errText}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

// apierrors.NewInternalError, as ServeExec writes it when the command could not run at all.
export function internalErrorStatus(err: unknown): Status {
  const text = err instanceof Error ? err.message : String(err);
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${text}`,
    reason: 'InternalError',
    details: { causes: [{ message: text }] },
    code: 500,
  };
}
// #endregion builders

// What goes on channel 3 (over SPDY, the error stream): v4/v5 always send the JSON Status; v1–v3 send the
// message text, and nothing at all on success (null).
export function encodeStatus(protocol: Pick<ProtocolInfo, 'statusJson'>, status: Status): Uint8Array | null {
  if (protocol.statusJson) return new TextEncoder().encode(JSON.stringify(status));
  if (status.status === 'Success') return null;
  return new TextEncoder().encode(status.message ?? 'unknown error');
}

// The client side: bytes read from channel 3 until the close. Empty means success.
export function decodeStatus(protocol: ProtocolInfo, bytes: Uint8Array): Status {
  if (bytes.byteLength === 0) return successStatus();
  const text = new TextDecoder().decode(bytes);
  if (!protocol.statusJson) return { metadata: {}, status: 'Failure', message: `error executing remote command: ${text}` };
  let value: unknown;
  try { value = JSON.parse(text); } catch (err) {
    throw new Error(`error stream protocol error: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null) throw new Error('error stream protocol error: not a Status object');
  return value as Status;
}

// #region exit-code
// client-go's errorDecoderV4: Success → 0; NonZeroExitCode → the ExitCode cause, which must fit
// a uint8; any other failure is an error carrying the Status message.
export class CodeExitError extends Error {
  constructor(readonly code: number) {
    super(`command terminated with exit code ${code}`);
    this.name = 'CodeExitError';
  }
}

export function exitCodeFromStatus(status: Status): number {
  if (status.status === 'Success') return 0;
  if (status.status !== 'Failure') throw new Error('error stream protocol error: unknown error');
  if (status.reason === 'NonZeroExitCode') {
    if (!status.details) throw new Error('error stream protocol error: details must be set');
    const cause = status.details.causes?.find((c) => c.reason === 'ExitCode');
    if (!cause) throw new Error('error stream protocol error: no ExitCode cause given');
    const text = cause.message ?? '';
    if (!/^\d{1,3}$/.test(text) || Number(text) > 255) throw new Error(`error stream protocol error: invalid exit code value ${JSON.stringify(text)}`);
    return Number(text);
  }
  throw new Error(status.message ?? 'error stream protocol error: unknown error');
}
// #endregion exit-code
