// An upgrade client held while the backend decides: what it sends is kept (bounded) and never forwarded, and
// reading it is how a client that leaves is noticed (Go's server does the same with its background read).
import type { Duplex } from 'node:stream';

// kubectl sends nothing before the 101; a client that does gets this much held, then is no longer read.
export const MAX_HELD_BYTES = 64 * 1024;

export class HeldClient {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private released = false;
  // Set when the client ended or closed: nobody is waiting for the answer any more.
  gone: boolean;
  // Called once when the client goes, while held (the proxy closes the backend connection with it).
  onGone?: () => void;

  constructor(private readonly client: Duplex, head: Buffer, private readonly maxBytes = MAX_HELD_BYTES) {
    if (head.length) this.onData(head);
    // A paused socket never sees its peer's FIN: the client must be read to learn that it left.
    this.gone = client.destroyed || client.readableEnded;
    client.on('data', this.onData);
    client.once('end', this.onEnd);
    client.once('close', this.onEnd);
    if (this.bytes < this.maxBytes) client.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= this.maxBytes) this.client.pause();
  };

  private readonly onEnd = (): void => {
    if (this.gone) return;
    this.gone = true;
    this.onGone?.();
  };

  // Stops holding (the client is paused again) and hands over the bytes it sent early: for the backend after
  // a 101, dropped otherwise (CVE-2018-1002105: nothing reaches a backend that has not agreed).
  release(): Buffer {
    if (!this.released) {
      this.released = true;
      this.client.off('data', this.onData);
      this.client.off('end', this.onEnd);
      this.client.off('close', this.onEnd);
      this.client.pause();
    }
    return Buffer.concat(this.chunks);
  }
}
