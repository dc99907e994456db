// Synchronous, stateful use of one Node zlib stream (one deflate or inflate context for a whole connection),
// the way Go's compress/zlib Writer.Flush and Reader.Read are used by spdystream's Framer.
//
// Node offers no public API for this: the zlib streams are asynchronous, `deflateSync` starts a fresh context
// each call, and `_processChunk(buf, flag)` without a callback closes the handle after one call. So this drives
// the native handle with the same three calls Node's own processChunkSync makes (`_handle.writeSync`,
// `_writeState`, the `onerror` reported synchronously), minus the close. The constructor checks those
// internals exist and says which Node lacks them; tests/unit/spdy cover it on every run.
import zlib from 'node:zlib';

interface NativeZlib {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code: string) => void;
}
interface ZlibInternals {
  _handle: NativeZlib | null;
  _writeState: Uint32Array;
}

const OUT_CHUNK = 16 * 1024;

export class SyncZlib {
  private readonly stream: zlib.Deflate | zlib.Inflate;
  private error: Error | undefined;

  constructor(kind: 'deflate' | 'inflate', options: zlib.ZlibOptions) {
    this.stream = kind === 'deflate' ? zlib.createDeflate(options) : zlib.createInflate(options);
    this.stream.on('error', (err) => { this.error ??= err; });
    const z = this.stream as unknown as Partial<ZlibInternals>;
    if (typeof z._handle?.writeSync !== 'function' || typeof z._handle.onerror !== 'function' || !(z._writeState instanceof Uint32Array)) {
      throw new Error(`src/spdy/zlib-sync.ts: this Node (${process.version}) has no zlib _handle.writeSync/onerror/_writeState; SPDY header compression needs them`);
    }
    // The native handle reports a zlib error by calling its `onerror` during writeSync; Node's own handler
    // would destroy the stream and emit 'error' a tick later. Ours records it, for process() to throw at once.
    z._handle.onerror = (message, errno, code) => {
      this.error ??= Object.assign(new Error(`zlib: ${message}`), { errno, code });
    };
  }

  // All of `input` through the context, then `flush` (Z_SYNC_FLUSH: the output ends on a byte boundary the
  // peer can inflate without more input). Returns what came out; throws past maxOutput bytes or on a zlib error.
  // `unused` reports input left over (an inflate that reached the end of the zlib stream).
  process(input: Buffer, flush: number, maxOutput = Infinity): { output: Buffer; unused: number } {
    const z = this.stream as unknown as ZlibInternals;
    if (this.error) throw this.error;
    const handle = z._handle;
    if (!handle) throw new Error('zlib context closed');
    const state = z._writeState;
    const outputs: Buffer[] = [];
    let total = 0;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      const out = Buffer.allocUnsafe(OUT_CHUNK);
      handle.writeSync(flush, input, inOff, inLen, out, 0, OUT_CHUNK);
      if (this.error) throw this.error;
      const availOut = state[0];
      const availIn = state[1];
      const have = OUT_CHUNK - availOut;
      if (have > 0) {
        outputs.push(out.subarray(0, have));
        total += have;
        if (total > maxOutput) throw new Error(`more than ${maxOutput} bytes out`);
      }
      inOff += inLen - availIn;
      inLen = availIn;
      // A full output buffer means zlib may have more to give; anything less means it is done with this input.
      if (availOut !== 0) break;
    }
    return { output: outputs.length === 1 ? outputs[0] : Buffer.concat(outputs, total), unused: inLen };
  }

  close(): void {
    this.stream.close();
  }
}
