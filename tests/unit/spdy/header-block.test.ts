// Unit tests for SPDY/3 header blocks: the uncompressed layout by hand, zlib with the dictionary, one context per direction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { encodeHeaderBlock, decodeHeaderBlock, HeaderCompressor, HeaderDecompressor, checkHeaders, MAX_HEADER_BLOCK, type SpdyHeaders } from '../../../src/spdy/header-block.ts';
import { SPDY3_DICTIONARY } from '../../../src/spdy/dictionary.ts';
import { SpdyProtocolError } from '../../../src/spdy/frames.ts';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

test('header block by hand: 32-bit count, name length, name, value length, value', () => {
  // {streamtype: error}: 1 pair, "streamtype" (10 bytes), "error" (5 bytes)
  const block = hex('00000001 0000000a 73747265616d74797065 00000005 6572726f72');
  assert.deepEqual(encodeHeaderBlock({ streamType: 'error' }), block); // lowercased on the way out
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'error' });
  assert.deepEqual(encodeHeaderBlock({}), hex('00000000'));
  assert.deepEqual(decodeHeaderBlock(hex('00000000')), {});
  // several values: NUL-joined in one value
  assert.deepEqual(decodeHeaderBlock(hex('00000001 00000001 61 00000003 780079')), { a: 'x\0y' });
  // a repeated name adds its values (what spdystream's http.Header.Add ends up doing)
  assert.deepEqual(decodeHeaderBlock(hex('00000002 00000001 61 00000001 78 00000001 61 00000001 79')), { a: 'x\0y' });
  // bytes stay bytes
  assert.equal(decodeHeaderBlock(encodeHeaderBlock({ v: '\xff\x00\x80' })).v, '\xff\x00\x80');
});

test('header block: __proto__ is a header like any other', () => {
  const h = decodeHeaderBlock(hex('00000001 00000009 5f5f70726f746f5f5f 00000001 78'));
  assert.equal(Object.getPrototypeOf(h), Object.prototype);
  assert.deepEqual(Object.entries(h), [['__proto__', 'x']]);
});

test('header block: upper-case names, short blocks and trailing bytes are refused', () => {
  assert.throws(() => decodeHeaderBlock(hex('00000001 00000001 41 00000000')), (e: Error) => e instanceof SpdyProtocolError && /header was not lowercased: "A"/.test(e.message));
  // É in UTF-8 (c3 89): strings.ToLower changes it, so spdystream refuses it too; é (c3 a9) is fine
  assert.throws(() => decodeHeaderBlock(hex('00000001 00000002 c389 00000000')), /not lowercased/);
  assert.deepEqual(Object.keys(decodeHeaderBlock(hex('00000001 00000002 c3a9 00000000'))), ['\xc3\xa9']);
  assert.throws(() => decodeHeaderBlock(hex('000000')), /compressed payload size was incorrect/);
  assert.throws(() => decodeHeaderBlock(hex('00000001 00000005 6162')), /ends early/);
  assert.throws(() => decodeHeaderBlock(hex('00000001 00000001 61 00000002 78')), /ends early/);
  assert.throws(() => decodeHeaderBlock(hex('ffffffff 00000000')), /ends early/);
  assert.throws(() => decodeHeaderBlock(hex('00000000 00')), /1 bytes after the header block/);
});

test('checkHeaders: what spdystream refuses per frame type', () => {
  assert.throws(() => checkHeaders('synStream', 1, { host: 'x' }), /frame contained invalid header: host/);
  checkHeaders('synReply', 1, { host: 'x' }); // Host is only a request header
  assert.throws(() => checkHeaders('synReply', 1, { 'transfer-encoding': 'x' }), /invalid header/);
  assert.throws(() => checkHeaders('headers', 2, { host: 'x' }), /invalid header/); // even id: request set
  checkHeaders('headers', 3, { host: 'x' }); // odd id: response set
  checkHeaders('synStream', 1, { streamtype: 'error' });
});

test('compression: zlib header naming the SPDY dictionary, a sync flush after each block', () => {
  const c = new HeaderCompressor();
  const first = c.compress({ streamtype: 'error' });
  // 78 f9: deflate, 32K window, FDICT, level 9; then the dictionary's Adler-32
  assert.equal(first.subarray(0, 6).toString('hex'), '78f9' + 'e3c6a7c2');
  assert.equal(first.subarray(-4).toString('hex'), '0000ffff'); // the empty stored block a sync flush ends with
  const second = c.compress({ streamtype: 'error' });
  assert.notEqual(second.subarray(0, 2).toString('hex'), '78f9', 'later blocks continue the stream: no second zlib header');
  assert.ok(second.length < first.length, 'the repeat is a back-reference into the context');
  c.close();
});

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

test('compression: the dictionary id in the zlib header is the Adler-32 of the dictionary', () => {
  const first = new HeaderCompressor().compress({});
  assert.equal(first.readUInt32BE(2), adler32(SPDY3_DICTIONARY));
});

test('one context per direction: a fresh inflater reads several blocks in order; block 2 alone is unreadable', () => {
  const c = new HeaderCompressor();
  const sets: SpdyHeaders[] = [{ streamtype: 'error' }, { streamtype: 'stdin' }, {}, { streamtype: 'stdout', a: '1\x002' }, { streamtype: 'error' }];
  const blocks = sets.map((h) => c.compress(h));
  const d = new HeaderDecompressor();
  assert.deepEqual(blocks.map((b) => d.decompress(b)), sets);
  // an independent inflate (Node's one-shot zlib) of the blocks joined gives the uncompressed blocks joined
  const joined = zlib.inflateSync(Buffer.concat(blocks), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(joined, Buffer.concat(sets.map(encodeHeaderBlock)));
  assert.throws(() => new HeaderDecompressor().decompress(blocks[1]), (e: Error) => e instanceof SpdyProtocolError && /compressed payload size was incorrect/.test(e.message));
});

test('decompressor: a block cut short, two blocks in one, garbage, and a bomb are refused', () => {
  const c = new HeaderCompressor();
  const b1 = c.compress({ streamtype: 'error' });
  const b2 = c.compress({ streamtype: 'stdin' });
  assert.throws(() => new HeaderDecompressor().decompress(b1.subarray(0, 8)), /compressed payload size was incorrect/);
  assert.throws(() => new HeaderDecompressor().decompress(Buffer.concat([b1, b2])), /bytes after the header block/);
  assert.throws(() => new HeaderDecompressor().decompress(hex('deadbeef')), /compressed payload size was incorrect: zlib: incorrect header check/);
  // a zlib stream whose header names no dictionary is read without it, by zlib here as by Go's NewReaderDict
  assert.deepEqual(new HeaderDecompressor().decompress(zlib.deflateSync(encodeHeaderBlock({ a: 'b' }))), { a: 'b' });
  // one naming another dictionary is refused
  const otherDict = zlib.deflateSync(encodeHeaderBlock({ a: 'b' }), { dictionary: Buffer.from('other') });
  assert.throws(() => new HeaderDecompressor().decompress(otherDict), /compressed payload size was incorrect: zlib: Bad dictionary/);
  // 1 MiB + of zeros in a small block: stopped at MAX_HEADER_BLOCK instead of inflated whole
  const bomb = zlib.deflateSync(Buffer.alloc(MAX_HEADER_BLOCK * 4), { dictionary: SPDY3_DICTIONARY, level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.ok(bomb.length < 8192);
  assert.throws(() => new HeaderDecompressor().decompress(bomb), /more than 1048576 bytes out/);
  // a zlib stream that ends (Z_FINISH) and then carries more bytes
  const finished = zlib.deflateSync(encodeHeaderBlock({}), { dictionary: SPDY3_DICTIONARY });
  assert.throws(() => new HeaderDecompressor().decompress(Buffer.concat([finished, hex('00')])), /1 bytes after the end of the zlib stream/);
  assert.deepEqual(new HeaderDecompressor().decompress(finished), {});
});

test('decompressor: an error leaves the context failed, never an uncaught zlib error', async () => {
  const d = new HeaderDecompressor();
  assert.throws(() => d.decompress(hex('deadbeef')));
  assert.throws(() => d.decompress(new HeaderCompressor().compress({})));
  await new Promise<void>((r) => setImmediate(r)); // any 'error' the zlib stream emits a tick later is ours, handled
  d.close();
});

test('compression of a big header block goes through several output buffers', () => {
  let x = 12345;
  const letters = Buffer.alloc(200_000).map(() => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return 97 + (x >>> 16) % 26; });
  const h = { big: Buffer.from(letters).toString('latin1') };
  const c = new HeaderCompressor();
  const block = c.compress(h);
  assert.ok(block.length > 16 * 1024);
  assert.deepEqual(new HeaderDecompressor().decompress(block), h);
});
