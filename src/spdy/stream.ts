// One SPDY stream as a Node Duplex: DATA frames received are its bytes in, write() sends DATA (moby/spdystream stream.go `Stream`).
import { Duplex } from 'node:stream';
import { Flag, MAX_DATA_LENGTH, RstStatus, encodeDataHead } from './frames.ts';
import type { SpdyHeaders } from './header-block.ts';

// What a stream needs from its Connection (connection.ts implements it; kept here so stream.ts imports no connection).
export interface StreamOwner {
  readonly alive: boolean;
  writeFrame(frame: Buffer): void;
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

  constructor(
    private readonly owner: StreamOwner,
    readonly id: number,
    readonly headers: SpdyHeaders,
    readonly initiatedLocally: boolean,
  ) {
    super({ allowHalfOpen: true });
  }

  // #region stream-reply
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

  // RST_STREAM(REFUSED_STREAM) instead of a reply.
  refuse(): void {
    if (this.replied) return;
    this.replied = true;
    this.resetBy('local', RstStatus.refusedStream);
  }
  // #endregion stream-reply

  // RST_STREAM (CANCEL by default), as spdystream's Reset: sent unless our side had already finished; the stream
  // leaves the table and is destroyed.
  reset(status: number = RstStatus.cancel): void {
    this.resetBy('local', status);
  }

  // A reset either way. By the peer: the bytes already received are still read, then 'end' (spdystream's Read
  // returns EOF after a reset: for remotecommand a reset is how the other side says it is done), a 'reset' event
  // with the status, no 'error'. By us: destroyed at once.
  resetBy(who: 'local' | 'peer', status: number): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    this.owner.removeStream(this);
    if (who === 'local' && !this.localFinished && this.owner.alive) this.owner.sendReset(this.id, status);
    this.localFinished = true;
    this.dropHeldWrite();
    if (who === 'local') {
      this.destroy();
      return;
    }
    this.emit('reset', status);
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

  // #region stream-write
  // One DATA frame per write, as spdystream's Write; a chunk over 2^24-1 bytes goes as several frames.
  // The callback waits for the socket, so a slow peer slows the writer (pipeline() stops reading its source).
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
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
  // #endregion stream-write

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
