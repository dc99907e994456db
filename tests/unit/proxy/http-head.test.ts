// The proxy's pure head codec: response heads split at every offset, request heads that keep repeated headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseHeadParser, HeadParseError, serializeRequestHead, serializeResponseHead, parseResponseHead } from '../../../src/proxy/http-head.ts';

const upgraded = Buffer.from(
  '485454502f312e312031303120537769746368696e672050726f746f636f6c730d0a' + // HTTP/1.1 101 Switching Protocols
  '557067726164653a20776562736f636b65740d0a' +                             // Upgrade: websocket
  '436f6e6e656374696f6e3a20557067726164650d0a0d0a' +                       // Connection: Upgrade + blank line
  '8203016869', 'hex');                                                      // the first bytes of the upgraded stream

test('a 101 head split at every offset parses the same, and the upgraded bytes are kept', () => {
  for (let cut = 0; cut <= upgraded.length; cut++) {
    for (let cut2 = cut; cut2 <= upgraded.length; cut2 += 7) {
      const p = new ResponseHeadParser();
      const chunks = [upgraded.subarray(0, cut), upgraded.subarray(cut, cut2), upgraded.subarray(cut2)];
      let got;
      const after: Buffer[] = [];
      // Once the head is parsed, the bytes that follow belong to the caller, not the parser.
      for (const c of chunks) { if (!got) got = p.push(c); else after.push(c); }
      if (!got) { assert.fail(`no head at cut ${cut}/${cut2}`); }
      assert.equal(got.head.statusCode, 101);
      assert.equal(got.head.statusMessage, 'Switching Protocols');
      assert.deepEqual(got.head.rawHeaders, [['Upgrade', 'websocket'], ['Connection', 'Upgrade']]);
      assert.equal(Buffer.concat([got.rest, ...after]).toString('hex'), '8203016869');
      assert.equal(got.raw.length, upgraded.length - 5);
    }
  }
});

test('a head that never ends is refused once it passes the limit', () => {
  const p = new ResponseHeadParser(64);
  assert.equal(p.push(Buffer.from('HTTP/1.1 200 OK\r\n')), undefined);
  assert.throws(() => p.push(Buffer.alloc(100, 0x61)), HeadParseError);
});

test('malformed status lines and header lines are errors', () => {
  assert.throws(() => parseResponseHead('SSH-2.0-OpenSSH'), /malformed HTTP response/);
  assert.throws(() => parseResponseHead('HTTP/1.1 200 OK\r\nno colon here'), /malformed MIME header/);
  assert.equal(parseResponseHead('HTTP/1.0 403').statusCode, 403);
});

test('the request head keeps repeated headers in order and replaces Host', () => {
  const raw = ['Host', 'apiserver:6443', 'X-Stream-Protocol-Version', 'v5.channel.k8s.io', 'X-Stream-Protocol-Version', 'v4.channel.k8s.io', 'Upgrade', 'SPDY/3.1', 'Connection', 'Upgrade'];
  const text = serializeRequestHead('POST', '/exec/default/p/c?command=date&output=1', raw, { Host: '127.0.0.1:10250' }).toString('latin1');
  assert.equal(text,
    'POST /exec/default/p/c?command=date&output=1 HTTP/1.1\r\n' +
    'X-Stream-Protocol-Version: v5.channel.k8s.io\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n' +
    'Upgrade: SPDY/3.1\r\nConnection: Upgrade\r\nHost: 127.0.0.1:10250\r\n\r\n');
});

test('the request head refuses header injection', () => {
  assert.throws(() => serializeRequestHead('GET', '/x', ['X-A', 'a\r\nInjected: 1'], {}), HeadParseError);
  assert.throws(() => serializeRequestHead('GET', '/x y', [], {}), HeadParseError);
  assert.throws(() => serializeRequestHead('G ET', '/x', [], {}), HeadParseError);
});

test('a response head serializes back to the bytes it came from', () => {
  const p = new ResponseHeadParser();
  const got = p.push(upgraded)!;
  assert.ok(serializeResponseHead(got.head).equals(got.raw));
});
