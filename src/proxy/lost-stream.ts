// When the backend of a proxied exec dies mid-stream: tell the client which hop lost it, on the error channel,
// instead of a bare TCP close (ours; Kubernetes' StreamTranslator in apiserver pkg/util/proxy/streamtranslator.go
// reports SPDY errors on channel 3 the same way, the kubelet's upgradeaware.go byte pipe does not).
// Pure: bytes in, decisions and bytes out.
import { Channel, protocols, type ProtocolInfo } from '../remotecommand/protocols.ts';
import { encodeMessage } from '../remotecommand/codec.ts';
import { encodeStatus, internalErrorStatus } from '../remotecommand/status.ts';
import { FrameBoundaryTracker, encodeBinaryFrame, encodeCloseFrame, encodeTextFrame } from './ws-frames.ts';

// #region lost-stream
// One message on channel 3 carrying an InternalError Status, then a close frame 1000: exactly how a
// streaming server ends a session that failed, so kubectl prints "error: <message>" and exits 1.
export function lostStreamFrames(protocol: ProtocolInfo, message: string): Buffer {
  const status = encodeStatus(protocol, internalErrorStatus(message))!;
  const framed = encodeMessage(protocol, Channel.error, status);
  const frame = typeof framed === 'string' ? encodeTextFrame(framed) : encodeBinaryFrame(framed);
  return Buffer.concat([frame, encodeCloseFrame(1000)]);
}

// What to do with the client once the backend is gone: its close frame passed (the stream ended
// properly: just close), it stopped between two frames (report, then close), or it stopped inside a
// frame (nothing can follow a torn frame: cut the connection).
export type LostStreamVerdict = { action: 'close' } | { action: 'report'; bytes: Buffer } | { action: 'cut' };

export class LostStreamWatch {
  private readonly frames = new FrameBoundaryTracker();
  constructor(private readonly protocol: ProtocolInfo) {}

  // Every chunk the backend sends to the client, as it is relayed (observed, never held).
  observe(chunk: Uint8Array): void { this.frames.push(chunk); }

  verdict(message: string): LostStreamVerdict {
    if (this.frames.closeSeen) return { action: 'close' };
    if (!this.frames.atBoundary) return { action: 'cut' };
    return { action: 'report', bytes: lostStreamFrames(this.protocol, message) };
  }
}
// #endregion lost-stream

// What the proxy asks of a watch: every chunk the backend sends (and, if it wants them, every chunk the client
// sends), then a verdict once the backend is gone. Chapter 8 adds SPDY's (spdy-lost-stream.ts).
export interface StreamLossWatch {
  observe(chunk: Buffer): void;
  observeClient?(chunk: Buffer): void;
  verdict(message: string): LostStreamVerdict;
  close?(): void; // once both connections are gone (a watch may hold zlib state)
}

// Only the remotecommand WebSocket protocols whose channel 3 carries a JSON Status can say why
// (v4, v4.base64, v5); on the older ones a message would read as the command's own failure text.
export function lostStreamWatchFor(upgrade: string | undefined, subprotocol: string | undefined): LostStreamWatch | undefined {
  if ((upgrade ?? '').toLowerCase() !== 'websocket') return undefined;
  const protocol = protocols.get((subprotocol ?? '').trim());
  return protocol?.statusJson ? new LostStreamWatch(protocol) : undefined;
}

// Node's words for why a socket ended, close to Go's: a FIN is io.EOF, an error keeps its text ("read ECONNRESET").
export function describeLoss(err: Error | undefined): string {
  return err ? err.message : 'EOF';
}
