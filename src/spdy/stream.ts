// One SPDY stream as a Node Duplex: DATA frames received are its bytes in, write() sends DATA (moby/spdystream stream.go `Stream`).
import { Duplex } from 'node:stream';
import { Flag, MAX_DATA_LENGTH, RstStatus, encodeDataHead } from './frames.ts';
import type { SpdyHeaders } from './header-block.ts';

// What a stream needs from its Connection (connection.ts implements it; kept here so stream.ts imports no connection).
export interface StreamOwner {
  readonly alive: boolean;
  // DATA: the head and the payload as two writes in one cork (no copy); cb once the socket has taken them
  writeData(head: Buffer, payload: Buffer | undefined, cb: (err?: Error | null) => void): void;
  sendReply(stream: SpdyStream, headers: SpdyHeaders): void;
  sendReset(streamId: number, status: number): void;
  removeStream(stream: SpdyStream): void;
  readWanted(stream: SpdyStream): void;
}

export class SpdyStream extends Duplex {
  // spdystream's `replied`: on a stream we created, the peer's SYN_REPLY came; on one the peer created, we sent ours.
  // DATA before that is dropped on the way in, and held back on the way out (waitWriteReply).
  replied = false;
  // spdystream's `finished`: our side is done (FIN sent, UNIDIRECTIONAL, or reset)
  localFinished = false;
  remoteFinished = false;
  // the RST_STREAM status, either way, once the stream was reset
  resetStatus: number | undefined;
  private heldWrite: (() => void) | undefined;
  private flushWaiters: (() => void)[] = [];

  constructor(
    private readonly owner: StreamOwner,
    readonly id: number,
    readonly headers: SpdyHeaders,
    readonly initiatedLocally: boolean,
  ) {
    super({ allowHalfOpen: true });
  }

  // SYN_REPLY (empty headers, as Kubernetes' stream handler sends); DATA may follow, held writes go out now.
  reply(headers: SpdyHeaders = {}): void {
    if (this.initiatedLocally) throw new Error(`stream ${this.id}: cannot reply on initiated stream`);
    if (this.replied || this.resetStatus !== undefined || !this.owner.alive) return;
    this.owner.sendReply(this, headers);
    this.replied = true;
    const held = this.heldWrite;
    this.heldWrite = undefined;
    held?.();
  }

  // RST_STREAM(REFUSED_STREAM) instead of a reply (spdystream's Refuse sends it whatever the stream's state).
  refuse(): void {
    if (this.replied) return;
    this.replied = true;
    if (this.owner.alive && this.resetStatus === undefined) this.owner.sendReset(this.id, RstStatus.refusedStream);
    this.localFinished = true;
    this.resetBy('local', RstStatus.refusedStream);
  }

  // RST_STREAM (CANCEL by default), as spdystream's Reset: sent unless our side had already finished.
  reset(status: number = RstStatus.cancel): void {
    this.resetBy('local', status);
  }

  // A reset either way: the stream leaves the table; nothing more goes out; its reader gets what was already
  // received, then 'end' (spdystream's Read returns EOF after a reset, either way: for remotecommand a reset is how
  // a side says it is done), then the stream is destroyed. No 'error'. A reset by the peer also emits 'reset'.
  resetBy(who: 'local' | 'peer', status: number): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    this.owner.removeStream(this);
    if (who === 'local' && !this.localFinished && this.owner.alive) this.owner.sendReset(this.id, status);
    this.localFinished = true;
    this.dropHeldWrite();
    if (who === 'peer') this.emit('reset', status);
    this.endQuietly();
  }

  // The peer will send no more (FIN, RST, GOAWAY, or the connection gone): EOF after what is buffered.
  remoteEnd(): void {
    if (this.remoteFinished) return;
    this.remoteFinished = true;
    this.push(null);
  }

  // The connection is gone: nothing more comes in, nothing more can go out.
  connectionGone(): void {
    this.localFinished = true;
    this.dropHeldWrite();
    this.endQuietly();
  }

  // Nothing more can come in or go out: the reader gets what was buffered, then 'end', then the stream is
  // destroyed without an error (a stream nobody reads is drained, having nothing left to give).
  private endQuietly(): void {
    this.remoteEnd();
    if (this.readableEnded) return void this.destroy();
    this.once('end', () => this.destroy());
    if (this.readableLength === 0) this.resume();
  }

  // DATA received for this stream (the connection checked `replied`). False: the reader is full.
  deliver(data: Buffer): boolean {
    if (this.remoteFinished || this.destroyed) return true;
    return this.push(data);
  }

  override _read(): void {
    this.owner.readWanted(this);
  }

  // One DATA frame per write, as spdystream's Write; a chunk over 2^24-1 bytes goes as several frames.
  // The callback waits for the socket, so a slow peer slows the writer (pipeline() stops reading its source).
  override _write(chunk: Buffer, _enc: BufferEncoding, written: (err?: Error | null) => void): void {
    const cb = () => { written(); this.checkFlushed(); };
    this.whenReplied(() => {
      // reset, or the connection gone: dropped (a Go peer drops DATA for a stream it no longer has); acknowledged on
      // a later turn of the event loop, so a writer that loops on write() until it returns false cannot spin
      if (this.localFinished || !this.owner.alive) return void setImmediate(cb);
      let at = 0;
      while (chunk.length - at > MAX_DATA_LENGTH) {
        this.owner.writeData(encodeDataHead(this.id, 0, MAX_DATA_LENGTH), chunk.subarray(at, at + MAX_DATA_LENGTH), noop);
        at += MAX_DATA_LENGTH;
      }
      const rest = at === 0 ? chunk : chunk.subarray(at);
      this.owner.writeData(encodeDataHead(this.id, 0, rest.length), rest, cb);
    });
  }

  // end(): an empty DATA frame with FIN, spdystream's Close (half-close: the peer may still send).
  override _final(cb: (err?: Error | null) => void): void {
    this.whenReplied(() => {
      if (this.localFinished || !this.owner.alive) return cb();
      this.localFinished = true;
      this.owner.writeData(encodeDataHead(this.id, Flag.fin, 0), undefined, cb);
      if (this.remoteFinished) this.owner.removeStream(this);
    });
  }

  // Resolves once every write made so far is in the socket: Go's Write returns only then, so Kubernetes code that
  // writes and then closes the connection never loses the bytes; close() waits on this before its resets.
  flushed(): Promise<void> {
    if (this.writableLength === 0 || this.destroyed || this.localFinished || !this.owner.alive || (!this.initiatedLocally && !this.replied)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  private checkFlushed(): void {
    if (this.flushWaiters.length === 0 || (this.writableLength > 0 && !this.destroyed)) return;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of waiters) w();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // destroyed before both sides finished (by its user, or after an error): spdystream's Reset
    if (this.resetStatus === undefined && !(this.localFinished && this.remoteFinished)) {
      this.resetStatus = RstStatus.cancel;
      if (!this.localFinished && this.owner.alive) this.owner.sendReset(this.id, RstStatus.cancel);
      this.localFinished = true;
    }
    this.owner.removeStream(this);
    this.dropHeldWrite();
    cb(err);
    this.checkFlushed();
  }

  // spdystream's waitWriteReply: on a stream the peer created, nothing goes out before our SYN_REPLY.
  private whenReplied(go: () => void): void {
    if (this.replied || this.initiatedLocally || this.localFinished || !this.owner.alive) go();
    else this.heldWrite = go;
  }

  // A write held until our reply, when the stream will never be replied: let the writer go on (its bytes dropped).
  private dropHeldWrite(): void {
    const held = this.heldWrite;
    this.heldWrite = undefined;
    held?.();
  }
}

function noop(): void {}
