// A SPDY/3.1 connection over one socket: the stream table, pings, GOAWAY, Close (moby/spdystream connection.go `Connection`,
// with Kubernetes' apimachinery httpstream/spdy connection.go on top: pings every 5 s, Close resets every stream).
import type { Duplex } from 'node:stream';
import { FrameDecoder, GoAwayStatus, RstStatus, SpdyProtocolError, encodeFrame, type Frame } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor, checkHeaders, type SpdyHeaders } from './header-block.ts';
import { SpdyStream, type StreamOwner } from './stream.ts';
import { describeFrame } from './describe.ts';

export { SpdyStream } from './stream.ts';

export interface SpdyConnectionOptions {
  role: 'client' | 'server'; // client: odd stream ids and ping ids; server: even
  pingIntervalMs?: number; // client-go: 5000; absent or 0: never ping
  idleTimeoutMs?: number; // reset by every frame read or written; on expiry reset all streams and close
  log?: (line: string) => void;
}

// client-go's createStreamResponseTimeout
export const CREATE_STREAM_TIMEOUT_MS = 30_000;
const MAX_STREAM_ID = 0x7fffffff;

type Waiter = { resolve: (s: SpdyStream) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class SpdyConnection implements StreamOwner {
  // Server side: called for each SYN_STREAM before any later frame is handled (spdystream runs its handler in the
  // stream's worker before the next frame of that stream); it calls stream.reply() or stream.refuse(). Unset: every
  // stream is replied to (spdystream's NoOpStreamHandler, which Kubernetes' client connection uses).
  onStream?: (stream: SpdyStream) => void;
  readonly closed: Promise<void>;
  private readonly table = new Map<number, SpdyStream>();
  private readonly decoder = new FrameDecoder();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private nextStreamId: number;
  private receivedStreamId: number; // the lowest id the peer may open next
  private pingId: number;
  private readonly pings = new Map<number, { start: number; resolve: (ms: number) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Map<number, Waiter>();
  private goneAway = false; // GOAWAY sent or received: no new streams either way
  private reading = true; // false once GOAWAY is read or the decoder failed: later bytes are not frames for us
  private dead = false;
  private closing = false;
  private readonly blocked = new Set<SpdyStream>(); // streams whose reader is full: the socket is paused for them
  private pingTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private resolveClosed!: () => void;

  constructor(private readonly socket: Duplex, private readonly opts: SpdyConnectionOptions, head?: Buffer) {
    const server = opts.role === 'server';
    this.nextStreamId = server ? 2 : 1;
    this.receivedStreamId = server ? 1 : 2;
    this.pingId = server ? 2 : 1;
    this.closed = new Promise((resolve) => { this.resolveClosed = resolve; });
    socket.on('error', (err) => this.teardown(`socket error: ${err.message}`));
    socket.on('close', () => this.teardown());
    // Reading starts a tick later, so the caller can set onStream first; `head` (bytes read with the 101) goes first.
    process.nextTick(() => {
      if (this.dead) return;
      if (head?.length) this.onData(head);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('end', () => this.onEnd());
    });
    if (opts.pingIntervalMs) this.pingTimer = setInterval(() => this.keepalive(), opts.pingIntervalMs);
    if (opts.idleTimeoutMs) this.armIdle(opts.idleTimeoutMs);
  }

  get streams(): ReadonlyMap<number, SpdyStream> {
    return this.table;
  }

  get alive(): boolean {
    return !this.dead;
  }

  // #region create-stream
  // SYN_STREAM with the next id of our parity; resolves on the peer's SYN_REPLY (client-go waits for each before
  // creating the next), rejects on its RST, on the timeout, or when the connection closes.
  createStream(headers: SpdyHeaders, timeoutMs = CREATE_STREAM_TIMEOUT_MS): Promise<SpdyStream> {
    if (this.dead || this.goneAway) return Promise.reject(new Error('spdy: connection closed'));
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) return Promise.reject(new Error('Unable to get new stream id'));
    this.nextStreamId += 2;
    const stream = this.addStream(id, headers, true);
    return new Promise<SpdyStream>((resolve, reject) => {
      const timer = setTimeout(() => {
        // spdystream leaves a timed-out stream in its table; nobody holds it any more, so it is reset here
        this.waiters.delete(id);
        stream.reset();
        reject(new Error(`Timeout occurred: no SYN_REPLY for stream ${id} in ${timeoutMs}ms`));
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
      this.writeFrame(encodeFrame({ type: 'synStream', streamId: id, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: this.compressor.compress(headers) }));
    });
  }
  // #endregion create-stream

  // #region ping
  // PING with the next id of our parity; the peer echoes it. Resolves with the round trip in ms.
  ping(): Promise<number> {
    if (this.dead) return Promise.reject(new Error('spdy: connection closed'));
    const id = this.pingId;
    this.pingId = id > 0x7ffffffe ? id - 0x7ffffffe : id + 2;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { start: performance.now(), resolve, reject });
      this.writeFrame(encodeFrame({ type: 'ping', id }));
    });
  }

  // Kubernetes' sendPings: one ping per period, failures only logged; none while one is still out (Go's ping blocks).
  private keepalive(): void {
    if (this.pings.size > 0) return;
    this.ping().catch((err: Error) => this.opts.log?.(`spdy: ping failed: ${err.message}`));
  }
  // #endregion ping

  // #region close
  // httpstream/spdy Connection.Close: reset every stream (RST_STREAM CANCEL where our side had not finished), then
  // spdystream's Close: GOAWAY naming the last stream the peer opened, then the socket ends once that is written.
  close(): Promise<void> {
    if (this.dead || this.closing) return this.closed;
    this.closing = true;
    for (const stream of [...this.table.values()]) stream.reset();
    if (!this.goneAway) {
      this.goneAway = true;
      const lastGood = this.receivedStreamId > 2 ? this.receivedStreamId - 2 : 0;
      this.writeFrame(encodeFrame({ type: 'goAway', lastGoodStreamId: lastGood, status: GoAwayStatus.ok }));
    }
    // spdystream closes the net.Conn outright once its streams are gone (they all are); Node ends it after the
    // written frames have been flushed, then lets go of it.
    this.socket.end(() => this.socket.destroy());
    return this.closed;
  }
  // #endregion close

  destroy(err?: Error): void {
    if (err) this.opts.log?.(`spdy: ${err.message}`);
    this.socket.destroy();
    this.teardown();
  }

  // --- reading ---

  private onData(chunk: Buffer): void {
    if (!this.reading || this.dead) return;
    this.touch();
    let frames: Frame[];
    let failure: SpdyProtocolError | undefined;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      failure = err as SpdyProtocolError;
      frames = (failure.frames ?? []) as Frame[]; // those before the bad one are handled first, as in spdystream
    }
    for (const f of frames) {
      if (!this.reading || this.dead) return;
      try {
        this.handleFrame(f);
      } catch (err) {
        // a header block that does not inflate, or carries what spdystream refuses: its read loop ends there
        if (err instanceof SpdyProtocolError) return this.protocolError(err);
        // a bug of ours must not crash the process the peer talks to: logged, the connection ends
        return this.destroy(new Error(`internal error handling ${describeFrame(f)}: ${(err as Error).stack ?? err}`));
      }
    }
    if (failure) this.protocolError(failure);
  }

  private protocolError(err: SpdyProtocolError): void {
    this.reading = false;
    this.destroy(new Error(`frame read error: ${err.message}`));
  }

  // Peer EOF: spdystream's read loop ends and every stream reads EOF; nothing more can be said to the peer either.
  private onEnd(): void {
    if (this.reading && this.decoder.pending > 0) this.opts.log?.(`spdy: frame read error: unexpected EOF (${this.decoder.pending} bytes of a frame)`);
    this.reading = false;
    this.socket.end();
    this.teardown();
  }

  // #region handle-frame
  private handleFrame(f: Frame): void {
    if (this.opts.log && process.env.SPDY_DEBUG) this.opts.log(`spdy: <- ${describeFrame(f)}`);
    switch (f.type) {
      case 'synStream': {
        // the shared inflate context must see every block, even of a stream refused below
        const headers = this.decompressor.decompress(f.headerBlock, f.streamId);
        checkHeaders('synStream', f.streamId, headers);
        if (this.goneAway) return; // spdystream: after GOAWAY, new streams are ignored
        // ids only go up (spdystream's validateStreamId; it does not check parity)
        if (f.streamId > MAX_STREAM_ID || f.streamId < this.receivedStreamId) {
          this.opts.log?.(`spdy: stream id ${f.streamId} out of order (next allowed ${this.receivedStreamId}): RST_STREAM PROTOCOL_ERROR`);
          this.sendReset(f.streamId, RstStatus.protocolError);
          return;
        }
        this.receivedStreamId = f.streamId + 2;
        const stream = this.addStream(f.streamId, headers, false);
        if (f.flags & 0x02) stream.localFinished = true; // UNIDIRECTIONAL: we may not send on it
        if (f.flags & 0x01) stream.remoteEnd(); // FIN: the peer sends nothing more
        if (!this.onStream) return stream.reply();
        try {
          this.onStream(stream);
        } catch (err) {
          this.opts.log?.(`spdy: stream handler failed for stream ${f.streamId}: ${(err as Error).message}`);
          stream.reset(RstStatus.internalError);
        }
        return;
      }
      case 'synReply': {
        const headers = this.decompressor.decompress(f.headerBlock, f.streamId);
        checkHeaders('synReply', f.streamId, headers);
        const stream = this.table.get(f.streamId);
        if (!stream || !stream.initiatedLocally || stream.replied) return;
        stream.replied = true;
        const w = this.waiters.get(f.streamId);
        if (w) {
          this.waiters.delete(f.streamId);
          clearTimeout(w.timer);
          w.resolve(stream);
        }
        if (f.flags & 0x01) this.remoteFinish(stream);
        return;
      }
      case 'headers': {
        const headers = this.decompressor.decompress(f.headerBlock, f.streamId);
        checkHeaders('headers', f.streamId, headers);
        const stream = this.table.get(f.streamId);
        if (!stream || !stream.replied) return;
        stream.emit('headers', headers);
        if (f.flags & 0x01) this.remoteFinish(stream);
        return;
      }
      case 'data': {
        const stream = this.table.get(f.streamId);
        // unknown, or not replied yet: dropped, as spdystream does
        if (!stream || !stream.replied) return;
        if (f.data.length > 0 && !stream.deliver(f.data)) this.block(stream);
        if (f.flags & 0x01) this.remoteFinish(stream);
        return;
      }
      case 'rstStream': {
        const stream = this.table.get(f.streamId);
        if (!stream) return;
        const w = this.waiters.get(f.streamId);
        if (w) {
          this.waiters.delete(f.streamId);
          clearTimeout(w.timer);
          w.reject(new Error(`Stream reset: RST_STREAM ${describeFrame(f).split('status=')[1]} for stream ${f.streamId}`));
        }
        this.blocked.delete(stream);
        stream.resetBy('peer', f.status);
        this.unblockIfClear();
        return;
      }
      case 'ping':
        // #region ping-echo
        // the peer's ping (the other parity): echoed unchanged; ours coming back completes ping()
        if ((f.id & 1) !== (this.pingId & 1)) {
          this.writeFrame(encodeFrame(f));
        } else {
          const p = this.pings.get(f.id);
          if (p) {
            this.pings.delete(f.id);
            p.resolve(performance.now() - p.start);
          }
        }
        // #endregion ping-echo
        return;
      case 'goAway':
        // spdystream stops reading at GOAWAY, ends every stream's reading side, and closes once none is left
        this.opts.log?.(`spdy: ${describeFrame(f)} received`);
        this.reading = false;
        this.goneAway = true;
        this.socket.end(() => this.socket.destroy());
        this.teardown();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE: spdystream's "unhandled frame type"; no flow control is enforced either way
        return;
    }
  }
  // #endregion handle-frame

  private remoteFinish(stream: SpdyStream): void {
    stream.remoteEnd();
    if (stream.localFinished) this.removeStream(stream);
  }

  // #region stream-table
  private addStream(id: number, headers: SpdyHeaders, local: boolean): SpdyStream {
    const stream = new SpdyStream(this, id, headers, local);
    this.table.set(id, stream);
    return stream;
  }

  removeStream(stream: SpdyStream): void {
    if (this.table.get(stream.id) === stream) this.table.delete(stream.id);
    if (this.blocked.delete(stream)) this.unblockIfClear();
  }
  // #endregion stream-table

  // --- backpressure: a full reader pauses the socket (spdystream's unbuffered data channel: TCP does the rest) ---

  private block(stream: SpdyStream): void {
    this.blocked.add(stream);
    this.socket.pause();
  }

  readWanted(stream: SpdyStream): void {
    if (this.blocked.delete(stream)) this.unblockIfClear();
  }

  private unblockIfClear(): void {
    if (this.blocked.size === 0 && !this.dead) this.socket.resume();
  }

  // --- writing ---

  writeFrame(frame: Buffer): void {
    if (this.dead || this.socket.destroyed || this.socket.writableEnded) return;
    this.touch();
    this.socket.write(frame);
  }

  writeData(head: Buffer, payload: Buffer | undefined, cb: (err?: Error | null) => void): void {
    if (this.dead || this.socket.destroyed || this.socket.writableEnded) return cb();
    this.touch();
    // Written errors surface on the socket ('error' → teardown); the stream's writer just goes on.
    const done = () => cb();
    if (!payload || payload.length === 0) {
      this.socket.write(head, done);
      return;
    }
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(payload, done);
    this.socket.uncork();
  }

  sendReply(stream: SpdyStream, headers: SpdyHeaders): void {
    this.writeFrame(encodeFrame({ type: 'synReply', streamId: stream.id, flags: 0, headerBlock: this.compressor.compress(headers) }));
  }

  sendReset(streamId: number, status: number): void {
    this.writeFrame(encodeFrame({ type: 'rstStream', streamId, status }));
  }

  // --- idle timeout (spdystream's idleAwareFramer): any frame read or written counts as activity ---

  private touch(): void {
    this.lastActivity = Date.now();
  }

  // One timer, re-armed for the rest of the period when there was activity meanwhile (not one reset per frame).
  private armIdle(timeoutMs: number, waitMs = timeoutMs): void {
    this.idleTimer = setTimeout(() => {
      const idle = Date.now() - this.lastActivity;
      if (idle < timeoutMs) return this.armIdle(timeoutMs, timeoutMs - idle);
      this.opts.log?.(`spdy: idle for ${timeoutMs}ms: resetting ${this.table.size} streams and closing`);
      void this.close();
    }, waitMs);
  }

  // --- the end, whatever the reason: once ---

  private teardown(reason?: string): void {
    if (reason) this.opts.log?.(`spdy: ${reason}`);
    if (this.dead) {
      if (this.socket.destroyed) this.resolveClosed();
      return;
    }
    this.dead = true;
    this.reading = false;
    clearInterval(this.pingTimer);
    clearTimeout(this.idleTimer);
    const gone = new Error('spdy: connection closed');
    for (const [, w] of this.waiters) {
      clearTimeout(w.timer);
      w.reject(gone);
    }
    this.waiters.clear();
    for (const [, p] of this.pings) p.reject(gone);
    this.pings.clear();
    for (const stream of this.table.values()) stream.connectionGone();
    this.table.clear();
    this.blocked.clear();
    this.compressor.close();
    this.decompressor.close();
    // keep draining what the peer still sends until it closes, so it never blocks on a full socket
    this.socket.resume();
    if (this.socket.destroyed) this.resolveClosed();
  }
}
