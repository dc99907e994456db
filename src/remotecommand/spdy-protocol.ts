// remotecommand over SPDY, the pure part: which streams a client opens for each protocol version, and what the error
// stream's bytes mean (client-go tools/remotecommand v1.go … v5.go, errorstream.go; k8s.io/api core/v1 StreamType*).
import type { Status } from '../api/status.ts';
import type { TerminalSize } from '../exec/executor.ts';
import { goQuote } from '../client/klog.ts';

// #region spdy-protocols
// What a SPDY client offers, one X-Stream-Protocol-Version line each, in this order (NewSPDYExecutorForTransports).
// The server picks the first one it speaks; runtimes speak v4 at most, so v5 is offered but never chosen there.
export const spdyProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

// Every stream is named by one header, streamType (lowercased on the wire by spdystream).
export const StreamType = { error: 'error', stdin: 'stdin', stdout: 'stdout', stderr: 'stderr', resize: 'resize' } as const;
export type StreamTypeName = (typeof StreamType)[keyof typeof StreamType];

export interface SpdyProtocolVersion {
  name: string;
  version: 1 | 2 | 3 | 4 | 5;
  resize: boolean;      // v3+: a resize stream when tty
  statusJson: boolean;  // v4+: a JSON metav1.Status on the error stream (Success included); before: text, on failure only
}

// The negotiated header → the version's rules. No header at all means the server predates negotiation: v1.
export function spdyProtocolVersion(negotiated: string): SpdyProtocolVersion | undefined {
  const version = negotiated === '' ? 1 : spdyProtocols.length - spdyProtocols.indexOf(negotiated);
  if (version > spdyProtocols.length) return undefined;
  const v = version as SpdyProtocolVersion['version'];
  return { name: negotiated || 'channel.k8s.io', version: v, resize: v >= 3, statusJson: v >= 4 };
}

// The streams to create, in client-go's order, each waiting for its SYN_REPLY before the next: error first (so a
// failure while the others are set up has somewhere to go), stdin, stdout, stderr (not with a terminal: it merges the
// two), then resize (v3+, with a terminal).
export function streamsToCreate(v: SpdyProtocolVersion, o: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): StreamTypeName[] {
  const types: StreamTypeName[] = [StreamType.error];
  if (o.stdin) types.push(StreamType.stdin);
  if (o.stdout) types.push(StreamType.stdout);
  if (o.stderr && !o.tty) types.push(StreamType.stderr);
  if (v.resize && o.tty) types.push(StreamType.resize);
  return types;
}
// #endregion spdy-protocols

// #region error-stream
// What the error stream said, once it ended. Nothing means success in every version. v1–v3 carry text, which
// client-go turns into an error with its own words ("Error executing…" in v1, "error executing…" after); v4 and v5
// carry a JSON Status, handed back as it is (the caller reads the exit code from it, as errorDecoderV4 does).
export function errorStreamStatus(v: SpdyProtocolVersion, bytes: Uint8Array): Status {
  if (bytes.byteLength === 0) return { metadata: {}, status: 'Success' };
  const text = Buffer.from(bytes).toString('utf8');
  if (!v.statusJson) {
    const prefix = v.version === 1 ? 'Error executing remote command' : 'error executing remote command';
    return { metadata: {}, status: 'Failure', message: `${prefix}: ${text}` };
  }
  let value: unknown;
  try { value = JSON.parse(text); } catch (err) {
    throw new Error(`error stream protocol error: ${(err as Error).message} in ${goQuote(text)}`);
  }
  // Go unmarshals null into an empty Status (whose empty status the caller calls an unknown error).
  if (value === null) return { metadata: {} } as Status;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`error stream protocol error: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type v1.Status in ${goQuote(text)}`);
  }
  return value as Status;
}
// #endregion error-stream

// #region resize-line
// One terminal size on the resize stream, as Go's json.Encoder writes it: field names as declared, then a newline.
export function encodeResize(size: TerminalSize): Buffer {
  return Buffer.from(`${JSON.stringify({ Width: size.width, Height: size.height })}\n`);
}
// #endregion resize-line
