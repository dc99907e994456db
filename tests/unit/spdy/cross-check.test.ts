// Our SPDY/3 codec against an independent one: indutny's spdy-transport (the `spdy` package's framer and parser, zlib
// with the same dictionary). Ours encodes → theirs parses; theirs frames → ours decodes; header blocks through each other's zlib contexts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { FrameDecoder, encodeFrame, Flag, RstStatus, type Frame } from '../../../src/spdy/frames.ts';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from '../../../src/spdy/header-block.ts';
import { SPDY3_DICTIONARY } from '../../../src/spdy/dictionary.ts';
import { waitFor } from '../../../src/util/wait.ts';

// A devDependency: absent from a checkout that has not installed it yet (the test says so and skips).
type Transport = {
  protocol: { spdy: { dictionary: Record<string, Buffer>; compressionPool: { create(c: boolean): { get(v: string): unknown } }; framer: { create(o: object): TheirFramer }; parser: { create(o: object): TheirParser } } };
  Window: new (o: object) => unknown;
};
interface TheirFramer extends NodeJS.EventEmitter {
  setVersion(v: number): void; setCompression(pair: unknown): void;
  requestFrame(f: object, cb?: (err?: Error) => void): void; responseFrame(f: object, cb?: () => void): void;
  headersFrame(f: object, cb?: () => void): void; dataFrame(f: object, cb?: () => void): void;
  pingFrame(f: object, cb?: () => void): void; rstFrame(f: object, cb?: () => void): void;
  settingsFrame(f: object, cb?: () => void): void; windowUpdateFrame(f: object, cb?: () => void): void;
  goawayFrame(f: object, cb?: () => void): void;
}
interface TheirParser extends NodeJS.EventEmitter {
  setVersion(v: number): void; setCompression(pair: unknown): void; write(b: Buffer): void;
}
let transport: Transport | undefined;
try {
  transport = createRequire(import.meta.url)('spdy-transport') as Transport;
} catch {
  transport = undefined;
}
const skip = transport ? false : 'spdy-transport (devDependency) is not installed: npm install';

const window = () => new transport!.Window({ id: 0, isServer: false, recv: { size: 1 << 30, max: 1 << 30 }, send: { size: 1 << 30, max: 1 << 30 } });

function theirParser(): { parser: TheirParser; frames: Record<string, unknown>[]; errors: Error[] } {
  const spdy = transport!.protocol.spdy;
  const parser = spdy.parser.create({ window: window(), isServer: true });
  parser.setVersion(3);
  parser.setCompression(spdy.compressionPool.create(true).get('3.1'));
  const frames: Record<string, unknown>[] = [];
  const errors: Error[] = [];
  parser.on('data', (f: Record<string, unknown>) => frames.push(f));
  parser.on('error', (e: Error) => errors.push(e));
  return { parser, frames, errors };
}

function theirFramer(): { framer: TheirFramer; bytes: () => Buffer } {
  const spdy = transport!.protocol.spdy;
  const framer = spdy.framer.create({ window: window() });
  framer.setVersion(3);
  framer.setCompression(spdy.compressionPool.create(true).get('3.1'));
  const chunks: Buffer[] = [];
  framer.on('data', (c: Buffer) => chunks.push(c));
  return { framer, bytes: () => Buffer.concat(chunks) };
}

test('their SPDY/3 dictionary is ours, byte for byte', { skip }, () => {
  assert.ok(Buffer.from(transport!.protocol.spdy.dictionary['3']).equals(SPDY3_DICTIONARY));
});

test('ours encodes, spdy-transport parses: every frame type, header blocks through one shared context', { skip }, async () => {
  const c = new HeaderCompressor();
  const req: SpdyHeaders = { ':method': 'POST', ':path': '/exec', streamtype: 'error' };
  const ours: Frame[] = [
    { type: 'synStream', streamId: 1, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: c.compress(req) },
    { type: 'synStream', streamId: 3, associatedId: 0, priority: 0, slot: 0, flags: Flag.fin, headerBlock: c.compress({ ...req, streamtype: 'stdin' }) },
    { type: 'synReply', streamId: 1, flags: 0, headerBlock: c.compress({ ':status': '200', x: 'a\0b' }) },
    { type: 'headers', streamId: 3, flags: 0, headerBlock: c.compress({ extra: 'yes' }) },
    { type: 'data', streamId: 1, flags: 0, data: Buffer.from('hello') },
    { type: 'data', streamId: 3, flags: Flag.fin, data: Buffer.alloc(0) },
    { type: 'rstStream', streamId: 3, status: RstStatus.cancel },
    { type: 'settings', flags: 0, entries: [{ flags: 0, id: 4, value: 100 }, { flags: 1, id: 7, value: 65536 }] },
    { type: 'ping', id: 2 },
    { type: 'windowUpdate', streamId: 1, delta: 4096 },
    { type: 'goAway', lastGoodStreamId: 3, status: 0 },
  ];
  const { parser, frames, errors } = theirParser();
  parser.write(Buffer.concat(ours.map(encodeFrame)));
  await waitFor(() => frames.length >= ours.length || errors.length > 0, { timeoutMs: 20_000, what: 'their frames' });
  assert.deepEqual(errors, []);
  const pick = (f: Record<string, unknown>) => {
    switch (f.type) {
      case 'HEADERS': return { type: f.type, id: f.id, fin: f.fin, headers: f.headers };
      case 'DATA': return { type: f.type, id: f.id, fin: f.fin, data: String(f.data) };
      case 'RST': return { type: f.type, id: f.id, code: f.code };
      case 'PING': return { type: f.type, opaque: (f.opaque as Buffer).toString('hex') };
      case 'GOAWAY': return { type: f.type, lastId: f.lastId, code: f.code };
      default: return f;
    }
  };
  assert.deepEqual(frames.map(pick), [
    { type: 'HEADERS', id: 1, fin: false, headers: { ':method': 'POST', ':path': '/exec', streamtype: 'error' } },
    { type: 'HEADERS', id: 3, fin: true, headers: { ':method': 'POST', ':path': '/exec', streamtype: 'stdin' } },
    { type: 'HEADERS', id: 1, fin: false, headers: { ':status': '200', x: 'a, b' } }, // NUL-split, then joined their way
    { type: 'HEADERS', id: 3, fin: false, headers: { extra: 'yes' } },
    { type: 'DATA', id: 1, fin: false, data: 'hello' },
    { type: 'DATA', id: 3, fin: true, data: '' },
    { type: 'RST', id: 3, code: 'CANCEL' },
    { type: 'SETTINGS', settings: { max_concurrent_streams: 100, initial_window_size: 65536 } },
    { type: 'PING', opaque: '00000002' },
    { type: 'WINDOW_UPDATE', id: 1, delta: 4096 },
    { type: 'GOAWAY', lastId: 3, code: 'OK' },
  ]);
});

test('spdy-transport frames, ours decodes: every frame type, their compression context read by ours', { skip }, async () => {
  const { framer, bytes } = theirFramer();
  const done = (f: (cb: () => void) => void) => new Promise<void>((r) => f(r));
  await done((cb) => framer.requestFrame({ id: 1, method: 'POST', path: '/exec', host: 'h', headers: { streamtype: 'error' } }, cb));
  await done((cb) => framer.requestFrame({ id: 3, method: 'POST', path: '/exec', host: 'h', fin: true, headers: { streamtype: 'stdout' } }, cb));
  await done((cb) => framer.responseFrame({ id: 2, status: 200, headers: { a: 'b' } }, cb));
  await done((cb) => framer.headersFrame({ id: 1, headers: { more: 'yes' } }, cb));
  await done((cb) => framer.dataFrame({ id: 1, priority: 0, fin: false, data: Buffer.from('hello') }, cb));
  await done((cb) => framer.dataFrame({ id: 3, priority: 0, fin: true, data: Buffer.alloc(70_000, 1) }, cb));
  await done((cb) => framer.rstFrame({ id: 3, code: 'REFUSED_STREAM' }, cb));
  await done((cb) => framer.settingsFrame({ max_concurrent_streams: 100 }, cb));
  await done((cb) => framer.pingFrame({ opaque: Buffer.from('00000007', 'hex') }, cb));
  await done((cb) => framer.windowUpdateFrame({ id: 1, delta: 4096 }, cb));
  await done((cb) => framer.goawayFrame({ lastId: 3, code: 'PROTOCOL_ERROR' }, cb));
  await waitFor(() => new FrameDecoder().push(bytes()).length === 11, { timeoutMs: 20_000, what: 'their 11 frames' });
  const frames = new FrameDecoder().push(bytes());
  const d = new HeaderDecompressor();
  const headers = frames.map((f) => ('headerBlock' in f ? d.decompress(f.headerBlock) : undefined));
  const common = { ':method': 'POST', ':path': '/exec', ':scheme': 'https', ':version': 'HTTP/1.1', ':host': 'h' };
  assert.deepEqual(headers.slice(0, 4), [
    { ...common, streamtype: 'error' },
    { ...common, streamtype: 'stdout' },
    { ':status': '200 OK', ':version': 'HTTP/1.1', a: 'b' },
    { more: 'yes' },
  ]);
  const strip = (f: Frame) => ('headerBlock' in f ? { ...f, headerBlock: undefined } : f.type === 'data' ? { ...f, data: f.data.length } : f);
  assert.deepEqual(frames.map(strip), [
    { type: 'synStream', streamId: 1, associatedId: 0, priority: frames[0].type === 'synStream' ? frames[0].priority : -1, slot: 0, flags: 0, headerBlock: undefined },
    { type: 'synStream', streamId: 3, associatedId: 0, priority: frames[1].type === 'synStream' ? frames[1].priority : -1, slot: 0, flags: Flag.fin, headerBlock: undefined },
    { type: 'synReply', streamId: 2, flags: 0, headerBlock: undefined },
    { type: 'headers', streamId: 1, flags: 0, headerBlock: undefined },
    { type: 'data', streamId: 1, flags: 0, data: 5 },
    { type: 'data', streamId: 3, flags: Flag.fin, data: 70_000 },
    { type: 'rstStream', streamId: 3, status: RstStatus.refusedStream },
    { type: 'settings', flags: 0, entries: [{ flags: 1, id: 4, value: 100 }] },
    { type: 'ping', id: 7 },
    { type: 'windowUpdate', streamId: 1, delta: 4096 },
    { type: 'goAway', lastGoodStreamId: 3, status: 1 },
  ]);
});
