// When the backend of a proxied SPDY exec dies mid-stream: tell the client which hop lost it on the error stream, as
// lost-stream.ts does for WebSocket, instead of a bare TCP close that client-go reads as a clean end (exit 0 after a
// cut stream). Ours: upstream's upgradeaware.go byte pipe does not look. Pure: bytes in, decisions and bytes out.
import { Flag, FrameDecoder, encodeFrame } from '../spdy/frames.ts';
import { HeaderDecompressor } from '../spdy/header-block.ts';
import { protocols, type ProtocolInfo } from '../remotecommand/protocols.ts';
import { encodeStatus, internalErrorStatus } from '../remotecommand/status.ts';
import type { LostStreamVerdict } from './lost-stream.ts';

const HEAD = 8;
const SYN_REPLY = 2;
const GOAWAY = 7;

export class SpdyLostStreamWatch {
  // Client to backend: whole frames, for the SYN_STREAM whose streamtype is "error" (its header block is compressed,
  // so every block is inflated, in order, with one context).
  private readonly fromClient = new FrameDecoder();
  private readonly clientHeaders = new HeaderDecompressor();
  private clientUnreadable = false;
  private errorStreamId: number | undefined;
  // Backend to client: only where frames begin and end (never buffered), which streams were replied, and whether the
  // backend already said goodbye (GOAWAY) or finished the error stream (the Status went out).
  private head: number[] = [];
  private left = 0;
  private controlType = -1;
  private readonly replied = new Set<number>();
  private ended = false;

  constructor(private readonly protocol: ProtocolInfo) {}

  observeClient(chunk: Buffer): void {
    if (this.clientUnreadable) return;
    try {
      for (const f of this.fromClient.push(chunk)) {
        if (!('headerBlock' in f)) continue;
        const headers = this.clientHeaders.decompress(f.headerBlock);
        if (f.type === 'synStream' && headers.streamtype === 'error') this.errorStreamId = f.streamId;
      }
    } catch { this.clientUnreadable = true; }
  }

  observe(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.left > 0) {
        // SYN_REPLY: its stream id is the payload's first 4 bytes.
        if (this.controlType === SYN_REPLY && this.head.length < HEAD + 4) {
          this.head.push(chunk[i++]!);
          this.left--;
          if (this.head.length === HEAD + 4) this.replied.add(Buffer.from(this.head.slice(HEAD)).readUInt32BE(0) & 0x7fffffff);
        } else {
          const take = Math.min(this.left, chunk.length - i);
          this.left -= take;
          i += take;
        }
        if (this.left === 0) this.head = [];
        continue;
      }
      this.head.push(chunk[i++]!);
      if (this.head.length < HEAD) continue;
      const h = Buffer.from(this.head);
      const control = (h[0]! & 0x80) !== 0;
      this.controlType = control ? h.readUInt16BE(2) : -1;
      this.left = h.readUIntBE(5, 3);
      if (control && this.controlType === GOAWAY) this.ended = true;
      if (!control && (h.readUInt32BE(0) & 0x7fffffff) === this.errorStreamId && (h[4]! & Flag.fin)) this.ended = true;
      if (this.left === 0) this.head = [];
    }
  }

  verdict(message: string): LostStreamVerdict {
    if (this.ended) return { action: 'close' };
    const id = this.errorStreamId;
    if (this.head.length > 0 || this.left > 0 || id === undefined || !this.replied.has(id)) return { action: 'cut' };
    const status = encodeStatus(this.protocol, internalErrorStatus(message)) ?? new Uint8Array();
    return { action: 'report', bytes: encodeFrame({ type: 'data', streamId: id, flags: Flag.fin, data: Buffer.from(status) }) };
  }

  close(): void { this.clientHeaders.close(); }
}

// For a 101 to SPDY/3.1: the negotiated X-Stream-Protocol-Version says how the error stream reads (v4 and v5: a JSON
// Status; v1 to v3: the message as text, which client-go prints after "error executing remote command: ").
export function spdyLostStreamWatchFor(upgrade: string | undefined, version: string | undefined): SpdyLostStreamWatch | undefined {
  if (!/^spdy\/3\.1$/i.test(upgrade ?? '')) return undefined;
  const name = (version ?? '').trim();
  const json = name === 'v4.channel.k8s.io' || name === 'v5.channel.k8s.io';
  if (!json && !['v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'].includes(name)) return undefined;
  return new SpdyLostStreamWatch({ ...protocols.get('v4.channel.k8s.io')!, name, statusJson: json });
}
