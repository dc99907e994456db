// serveRemoteCommand: one exec upgrade to its transport — WebSocket to serveExec, SPDY to serveExecSpdy — with the
// protocol sets a runtime's streaming server serves upstream (kubelet cri/streaming/remotecommand createStreams, streaming.DefaultConfig).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../api/status.ts';
import { serveExec } from './serve-exec.ts';
import { SPDY_PROTOCOLS } from './spdy-handshake.ts';
import { serveExecSpdy, type ServeExecSpdyOptions } from './spdy-serve-exec.ts';

// #region upstream-protocols
// The streaming server's sets: SPDY v4, v3, v2, channel.k8s.io (SupportedRemoteCommandProtocols); WebSocket v4,
// v4.base64, channel.k8s.io, base64.channel.k8s.io (createWebSocketStreams; none given is channel.k8s.io). No v5 on
// either: since 1.30 a v5 WebSocket ends at the API server, whose StreamTranslator speaks SPDY from there on.
export interface RemoteCommandProtocols { spdy: readonly string[]; websocket: readonly string[] }
export const UPSTREAM_STREAM_PROTOCOLS: RemoteCommandProtocols = {
  spdy: SPDY_PROTOCOLS,
  websocket: ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'],
};
// #endregion upstream-protocols

export interface ServeRemoteCommandOptions extends Omit<ServeExecSpdyOptions, 'protocols' | 'spdyProtocols'> {
  protocols?: RemoteCommandProtocols;
}

// #region serve-remote-command
// Upgrade: websocket → serveExec; Upgrade: SPDY/… → serveExecSpdy (which insists on SPDY/3.1); anything else gets
// serveExec's 400 "Upgrade request required" Status. Same contract as serveExec: owns the socket, resolves with the
// Status sent.
export function serveRemoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, o: ServeRemoteCommandOptions): Promise<Status | undefined> {
  const { protocols = UPSTREAM_STREAM_PROTOCOLS, ...rest } = o;
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade.includes('spdy/')) return serveExecSpdy(req, socket, head, { ...rest, spdyProtocols: protocols.spdy });
  return serveExec(req, socket, head, { ...rest, protocols: protocols.websocket });
}
// #endregion serve-remote-command
