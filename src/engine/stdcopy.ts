// The Docker stream multiplexer, a pure codec: 8-byte framed stdout/stderr on one connection (moby `pkg/stdcopy`).
// Used when a container or exec has no terminal: the engine frames each write with the stream it came from,
// the client (docker CLI, cri-dockerd, our dockershim) splits them again. Stdin, client to engine, is never framed.

// #region multiplexer
// The stream a frame belongs to (stdcopy.StdType). Stdin frames exist for attach's echo; clients write them to stdout.
export const StdType = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;
export type StdType = (typeof StdType)[keyof typeof StdType];

export const stdWriterPrefixLen = 8;      // [type, 0, 0, 0, size as uint32 big-endian]
const maxFrameSize = 0xffffffff;

// One frame: the header then the payload. A write longer than 4 GiB would need splitting; no caller writes one.
export function encodeFrame(stream: StdType, payload: Uint8Array): Buffer {
  if (payload.length > maxFrameSize) throw new RangeError(`stdcopy: frame of ${payload.length} bytes exceeds uint32`);
  const frame = Buffer.allocUnsafe(stdWriterPrefixLen + payload.length);
  frame[0] = stream;
  frame[1] = frame[2] = frame[3] = 0;
  frame.writeUInt32BE(payload.length, 4);
  frame.set(payload, stdWriterPrefixLen);
  return frame;
}

export interface StdFrame { stream: 0 | 1 | 2; payload: Buffer }

// The daemon's own error in the stream (type 3): stdcopy.StdCopy returns it, ending the copy.
export class DaemonStreamError extends Error {}
// A header whose first byte is no stream: what the CLI prints when a raw (tty) stream is read as multiplexed.
export class StdHeaderError extends Error {}

// Incremental demuxer: push chunks as they arrive (split anywhere, or several frames joined), get whole frames.
// A frame's payload is returned when all of it has arrived, so stdout and stderr writes keep their boundaries.
export class StdDemuxer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed = false;

  push(chunk: Uint8Array): StdFrame[] {
    if (this.failed) throw new StdHeaderError('stdcopy: push after an error');
    if (chunk.length > 0) {
      this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.pendingBytes += chunk.length;
    }
    const frames: StdFrame[] = [];
    for (;;) {
      if (this.pendingBytes < stdWriterPrefixLen) return frames;
      const header = this.peek(stdWriterPrefixLen);
      const type = header[0];
      const size = header.readUInt32BE(4);
      if (type > StdType.systemerr) {
        this.failed = true;
        throw new StdHeaderError(`Unrecognized input header: ${type}`);
      }
      if (this.pendingBytes < stdWriterPrefixLen + size) return frames;
      this.take(stdWriterPrefixLen);
      const payload = this.take(size);
      if (type === StdType.systemerr) {
        this.failed = true;
        throw new DaemonStreamError(`error from daemon in stream: ${payload.toString('utf8')}`);
      }
      frames.push({ stream: type as 0 | 1 | 2, payload });
    }
  }

  // Bytes of an unfinished frame at the end of the stream: a truncated stream (the connection was cut mid-frame).
  get buffered(): number { return this.pendingBytes; }

  private peek(n: number): Buffer {
    if (this.pending[0].length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    if (this.pending[0].length < n) this.pending = [Buffer.concat(this.pending)];
    const head = this.pending[0];
    const out = head.subarray(0, n);
    if (head.length === n) this.pending.shift();
    else this.pending[0] = head.subarray(n);
    this.pendingBytes -= n;
    return out;
  }
}
// #endregion multiplexer
