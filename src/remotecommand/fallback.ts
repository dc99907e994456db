// The FallbackExecutor: WebSocket first, SPDY when the WebSocket upgrade failed, as kubectl 1.30+ runs exec
// (client-go tools/remotecommand/fallback.go, httpstream.IsUpgradeFailure; kubectl pkg/cmd/exec/exec.go createExecutor).
import { STATUS_CODES } from 'node:http';
import type { Status } from '../api/status.ts';
import type { Logger } from '../client/klog.ts';
import { streamExec, UpgradeError, type StreamExecOptions } from './websocket-client.ts';
import { streamExecSpdy } from './spdy-client.ts';

// The shape both executors share (websocket-client.ts streamExec, spdy-client.ts streamExecSpdy).
export type Executor<O> = (url: string, opts: O) => Promise<Status>;

// #region fallback
// kubectl exec's createExecutor: the fallback from WebSocket to SPDY, unless WebSockets are turned off.
export function remoteCommandExecutor(env: NodeJS.ProcessEnv): Executor<StreamExecOptions> {
  return remoteCommandWebsocketsDisabled(env) ? streamExecSpdy : fallbackExecutor(streamExec, streamExecSpdy);
}

// cmdutil.RemoteCommandWebsockets.IsDisabled(): only the value "false", in any case, turns WebSockets off.
// Unset, "0", "no" or anything else leaves them on.
export function remoteCommandWebsocketsDisabled(env: NodeJS.ProcessEnv): boolean {
  return (env.KUBECTL_REMOTE_COMMAND_WEBSOCKETS ?? '').toLowerCase() === 'false';
}

// The secondary runs only when the primary failed to upgrade; whatever else happens (a dial error, a session that
// broke after its 101, a command's exit code) is the answer.
export function fallbackExecutor<P, S>(
  primary: Executor<P>, secondary: Executor<S>, shouldFallback: (err: unknown) => boolean = isUpgradeFailure,
  log?: Logger,
): Executor<P & S> {
  return async (url, opts) => {
    try {
      return await primary(url, opts);
    } catch (err) {
      if (!shouldFallback(err)) throw err;
      (log ?? (opts as { logger?: Logger }).logger)?.info(4, 'fallback.go:56', `RemoteCommand fallback: ${upgradeFailureMessage(err as Error)}`);
      return secondary(url, opts);
    }
  };
}

// httpstream.IsUpgradeFailure: the server answered the WebSocket handshake with anything but a 101 that agreed to
// a subprotocol we offered.
export function isUpgradeFailure(err: unknown): err is UpgradeError {
  return err instanceof UpgradeError || (err instanceof Error && (err as { upgradeFailure?: boolean }).upgradeFailure === true);
}
// #endregion fallback

// The same words as client-go's UpgradeFailureError, which kubectl logs at -v=4 before it tries SPDY. gorilla
// reports a refused handshake as "websocket: bad handshake"; a Status in the body replaces the whole cause.
export function upgradeFailureMessage(err: Error): string {
  if (!(err instanceof UpgradeError)) return `unable to upgrade streaming request: ${err.message}`;
  if (err.status) return `unable to upgrade streaming request: ${err.status.message ?? ''}`;
  const cause = `websocket: bad handshake (${err.statusCode} ${STATUS_CODES[err.statusCode] ?? ''})`;
  return `unable to upgrade streaming request: ${err.body.trim() ? `${cause}: ${err.body.trim()}` : cause}`;
}
