// spdyHandshake: X-Stream-Protocol-Version negotiation in the client's order, the 400/403 refusals in upstream's words, the upgrade-header check, the 101.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHeaderKey, goHeaderRepr, goHeader, SPDY_PROTOCOLS, spdyHandshake } from '../../../src/remotecommand/spdy-handshake.ts';

const upgrade = ['Connection', 'Upgrade', 'Upgrade', 'SPDY/3.1'];
const versions = (...v: string[]) => v.flatMap((p) => ['X-Stream-Protocol-Version', p]);
const text = (b: Buffer) => b.toString('latin1');

test('the first protocol in the client\'s order that the server speaks wins, one header line per protocol', () => {
  // client-go's SPDY executor offers v5 first: a SPDY server has no v5, so v4.
  const r = spdyHandshake({ rawHeaders: ['Host', 'x', ...upgrade, ...versions('v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io')] });
  assert.ok(r.ok);
  assert.equal(r.protocol, 'v4.channel.k8s.io');
  const head = text(r.response);
  assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.ok(head.includes('\r\nConnection: Upgrade\r\n') && head.includes('\r\nUpgrade: SPDY/3.1\r\n'), head);
  assert.ok(head.includes('\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n'), head);
  assert.ok(head.endsWith('\r\n\r\n'));
  // The client's order, not the server's: a client preferring v2 gets v2.
  const v2 = spdyHandshake({ rawHeaders: [...upgrade, ...versions('v2.channel.k8s.io', 'v4.channel.k8s.io')] });
  assert.ok(v2.ok && v2.protocol === 'v2.channel.k8s.io');
});

test('comma lists are split, blanks skipped, header names in any case', () => {
  const r = spdyHandshake({ rawHeaders: ['connection', 'keep-alive, Upgrade', 'upgrade', 'spdy/3.1', 'x-stream-protocol-version', ' , v9.channel.k8s.io , channel.k8s.io'] });
  assert.ok(r.ok);
  assert.equal(r.protocol, 'channel.k8s.io');
});

test('no X-Stream-Protocol-Version: 400 naming the header and counting the others (Host is not one)', () => {
  const r = spdyHandshake({ rawHeaders: ['Host', 'x', ...upgrade, 'Content-Length', '0'] });
  assert.ok(!r.ok);
  assert.equal(r.code, 400);
  assert.equal(r.message, 'unable to upgrade: header X-Stream-Protocol-Version does not exist in request with 3 headers');
  const res = text(r.response);
  assert.match(res, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.ok(res.includes('\r\nContent-Type: text/plain; charset=utf-8\r\n') && res.includes('\r\nX-Content-Type-Options: nosniff\r\n'), res);
  assert.ok(res.endsWith(`\r\n\r\n${r.message}\n`), res);
});

test('a header with nothing in it: 400 quoting what it held', () => {
  const r = spdyHandshake({ rawHeaders: [...upgrade, ...versions(' , ', '')] });
  assert.ok(!r.ok);
  assert.equal(r.code, 400);
  assert.equal(r.message, 'unable to upgrade: header X-Stream-Protocol-Version contains [ ,  ], but no valid protocols');
});

test('no protocol in common: 403, the server\'s list in one X-Accepted-Stream-Protocol-Versions line each', () => {
  const r = spdyHandshake({ rawHeaders: [...upgrade, ...versions('v5.channel.k8s.io', 'v6.channel.k8s.io')] });
  assert.ok(!r.ok);
  assert.equal(r.code, 403);
  assert.equal(r.message, 'unable to upgrade: unable to negotiate protocol: client supports [v5.channel.k8s.io v6.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]');
  const lines = text(r.response).split('\r\n').filter((l) => l.startsWith('X-Accepted-Stream-Protocol-Versions: '));
  assert.deepEqual(lines.map((l) => l.split(': ')[1]), [...SPDY_PROTOCOLS]);
  assert.match(text(r.response), /^HTTP\/1\.1 403 Forbidden\r\n/);
});

test('a server list of its own is what it negotiates and names', () => {
  const r = spdyHandshake({ rawHeaders: [...upgrade, ...versions('v4.channel.k8s.io')] }, ['v2.channel.k8s.io']);
  assert.ok(!r.ok && r.message.endsWith('server accepts [v2.channel.k8s.io]'));
});

test('negotiated, but Connection or Upgrade missing: 400 with the request\'s headers as Go prints them', () => {
  const r = spdyHandshake({ rawHeaders: ['Host', 'x', 'Upgrade', 'SPDY/3.1', ...versions('v4.channel.k8s.io')] });
  assert.ok(!r.ok);
  assert.equal(r.code, 400);
  assert.equal(r.message, 'unable to upgrade: missing upgrade headers in request: http.Header{"Upgrade":[]string{"SPDY/3.1"}, "X-Stream-Protocol-Version":[]string{"v4.channel.k8s.io"}}');
  // Handshake had already chosen: the refusal carries the choice, as Go's response headers would.
  assert.ok(text(r.response).includes('\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n'));
  const wrong = spdyHandshake({ rawHeaders: ['Connection', 'Upgrade', 'Upgrade', 'SPDY/3', ...versions('v4.channel.k8s.io')] });
  assert.ok(!wrong.ok && wrong.code === 400);
  // Only the first Upgrade value counts (Header.Get).
  const second = spdyHandshake({ rawHeaders: ['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Upgrade', 'SPDY/3.1', ...versions('v4.channel.k8s.io')] });
  assert.ok(!second.ok && second.code === 400);
});

test('CR/LF in a client\'s header never reaches our response head', () => {
  const r = spdyHandshake({ rawHeaders: ['Upgrade', 'SPDY/3.1', 'X-Evil', 'a\r\nSet-Cookie: x', ...versions('v4.channel.k8s.io')] });
  assert.ok(!r.ok);
  const [head] = text(r.response).split('\r\n\r\n');
  assert.doesNotMatch(head!, /Set-Cookie/);
});

test('Go\'s canonical header keys and %#v of a Header', () => {
  assert.equal(canonicalHeaderKey('x-stream-protocol-version'), 'X-Stream-Protocol-Version');
  assert.equal(canonicalHeaderKey('CONTENT-length'), 'Content-Length');
  assert.equal(canonicalHeaderKey('bad header'), 'bad header');
  assert.equal(goHeaderRepr(goHeader(['b', '1', 'A', '2', 'b', '3'])), 'http.Header{"A":[]string{"2"}, "B":[]string{"1", "3"}}');
});
