// An exec session as the API server's client socket saw it, both directions: the response head the handler
// wrote (101 or a refusal), the bytes each way after it, and what the error stream said. Pure: the socket tap
// (socket-tap.ts) pushes bytes in; nothing here touches a socket.
//
// Why this can know the exit code and upstream's audit cannot: upstream's proxy copies opaque bytes and audits at
// the HTTP layer. Here the API server reads the same bytes the client reads, as the client's decoder would:
// WebSocket frames, channel 3 (ws-error-channel.ts; the StreamTranslator's v5 and a passed-through v4 alike), or
// the SPDY stream whose SYN_STREAM said `streamtype: error` (spdy-error-stream.ts). The limits, said in the record:
// - it is the code the runtime reported, not a proof: a session cut short (client or kubelet gone) has none;
// - v1-v3 protocols carry only text on the error stream, never a code (a failure is recorded as that text);
// - SPDY header blocks share one zlib context: the reader must see every client byte from the 101 on, which the
//   tap does (both upgrading clients wait for the 101 before they send, so nothing is read ahead of it).
import type { Status } from '../../api/status.ts';
import { execOutcome, type ExecOutcome } from './exec-outcome.ts';
import { ResponseHeadReader } from './response-head.ts';
import { WebSocketErrorChannel } from './ws-error-channel.ts';

// One transport's way of finding the error stream in the bytes of an upgraded connection.
export interface ErrorStreamDecoder {
  fromClient(chunk: Buffer): void;
  toClient(chunk: Buffer): void;
  errorBytes(): Buffer;
  // The server said goodbye properly (a WebSocket close frame, SPDY GOAWAY or the error stream's FIN).
  readonly endedCleanly: boolean;
  // Why the bytes could not be followed, if they could not.
  readonly unreadable?: string;
  // Frees what the decoder holds (a zlib context); called once, when the session is recorded.
  close?(): void;
}

// How a SPDY session's error stream is read (spdy-error-stream.ts); without one, its exit code is unknown.
export type SpdyDecoderFactory = () => ErrorStreamDecoder;

export interface ExecSessionRecord {
  code?: number;
  status?: Partial<Status>;
  protocol?: string;
  bytesFromClient: number;
  bytesToClient: number;
  outcome?: ExecOutcome;
}

const MAX_EARLY = 256 * 1024;

export class ExecSessionObserver {
  private readonly head = new ResponseHeadReader();
  private decoder?: ErrorStreamDecoder;
  // Client bytes that arrived before the head was written (a client that does not wait for the 101), bounded.
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private bytesFromClient = 0;
  private bytesToClient = 0;

  constructor(private readonly transport: 'websocket' | 'spdy' | 'other', private readonly spdy?: SpdyDecoderFactory) {}

  fromClient(chunk: Buffer): void {
    this.bytesFromClient += chunk.length;
    if (this.decoder) this.decoder.fromClient(chunk);
    else if (!this.head.head && this.earlyBytes + chunk.length <= MAX_EARLY) { this.early.push(chunk); this.earlyBytes += chunk.length; }
  }

  toClient(chunk: Buffer): void {
    const after = this.head.push(chunk);
    if (after === undefined) return;
    this.bytesToClient += after.length;
    if (!this.decoder && !this.startDecoder()) { this.early = []; return; }
    if (after.length) this.decoder!.toClient(after);
  }

  // The head just arrived (101): pick the decoder for the negotiated protocol, and replay what the client sent.
  private startDecoder(): boolean {
    const h = this.head.head!.headers;
    if (this.transport === 'websocket') {
      const protocol = h['sec-websocket-protocol'] ?? '';
      this.decoder = wsDecoder(protocol.includes('base64'));
    } else if (this.transport === 'spdy' && this.spdy) this.decoder = this.spdy();
    else return false;
    for (const c of this.early) this.decoder.fromClient(c);
    this.early = [];
    return true;
  }

  // The status the handler wrote, once its head is complete.
  responseCode(): number | undefined { return this.head.head?.code; }

  private recorded?: ExecSessionRecord;

  // What the session was; the first call ends the decoding (the socket has closed).
  record(): ExecSessionRecord {
    if (!this.recorded) {
      this.recorded = this.build();
      this.decoder?.close?.();
    }
    return this.recorded;
  }

  private build(): ExecSessionRecord {
    const head = this.head.head;
    const protocol = head?.headers['sec-websocket-protocol'] ?? head?.headers['x-stream-protocol-version'];
    const r: ExecSessionRecord = { code: head?.code, status: this.head.status(), protocol, bytesFromClient: this.bytesFromClient, bytesToClient: this.bytesToClient };
    if (head?.code !== 101) return r;
    if (!this.decoder) {
      r.outcome = { error: this.transport === 'spdy' ? 'no SPDY reader was given' : 'the upgraded protocol is not one audit can read' };
    } else if (this.decoder.unreadable) {
      r.outcome = { error: `the stream could not be followed: ${this.decoder.unreadable}` };
    } else {
      r.outcome = execOutcome(protocol ?? '', this.decoder.errorBytes(), this.decoder.endedCleanly);
    }
    return r;
  }
}

function wsDecoder(base64: boolean): ErrorStreamDecoder {
  const ch = new WebSocketErrorChannel(base64);
  return {
    fromClient: () => {},
    toClient: (c) => ch.push(c),
    errorBytes: () => ch.errorBytes(),
    get endedCleanly() { return ch.closed; },
    get unreadable() { return ch.broken ? 'not WebSocket framing' : undefined; },
  };
}
