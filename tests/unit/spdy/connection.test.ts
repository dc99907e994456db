// SpdyConnection over real TCP: streams both ways, half-close, big transfers, backpressure, pings, GOAWAY, Close, idle timeout, bad peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { SpdyConnection, type SpdyStream } from '../../../src/spdy/connection.ts';
import { RstStatus } from '../../../src/spdy/frames.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { connectionPair, tcpPair, RawPeer, readAll } from './fixture.ts';

const deadline = { timeoutMs: 30_000 };

// The server side of every test below that needs one: reply, then echo what comes in, half-closing after the peer.
function echo(stream: SpdyStream): void {
  stream.reply();
  stream.pipe(stream);
}

test('a stream: SYN_STREAM, SYN_REPLY, data both ways, half-close each way, then gone from both tables', async () => {
  const p = await connectionPair();
  try {
    const seen: string[] = [];
    p.server.onStream = (s) => { seen.push(`${s.id} ${s.headers.streamtype}`); echo(s); };
    const s = await p.client.createStream({ streamType: 'stdin' });
    assert.equal(s.id, 1);
    assert.deepEqual(seen, ['1 stdin']); // names travel lowercased
    s.end('hello\n');
    assert.equal((await readAll(s)).toString(), 'hello\n');
    await waitFor(() => p.client.streams.size === 0 && p.server.streams.size === 0, { ...deadline, what: 'both tables empty' });
    const s2 = await p.client.createStream({ streamtype: 'stdout' });
    assert.equal(s2.id, 3, 'client ids: odd, going up');
  } finally {
    await p.close();
  }
});

test('many streams at once, each with its own bytes', async () => {
  const p = await connectionPair();
  try {
    p.server.onStream = echo;
    const streams = await Promise.all(Array.from({ length: 60 }, (_, i) => p.client.createStream({ streamtype: `s${i}` })));
    assert.deepEqual(streams.map((s) => s.id).sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => 2 * i + 1));
    const results = await Promise.all(streams.map(async (s, i) => {
      const body = Buffer.alloc(10_000 + i * 997, `stream ${i};`);
      s.end(body);
      return (await readAll(s)).equals(body);
    }));
    assert.ok(results.every(Boolean));
  } finally {
    await p.close();
  }
});

test('8 MiB each way on one stream, sha256 equal; a 20 MiB write goes as two DATA frames', async () => {
  const p = await connectionPair();
  try {
    const up = randomBytes(8 << 20);
    const down = randomBytes(8 << 20);
    const serverGot = new Promise<string>((resolve) => {
      p.server.onStream = (s) => {
        s.reply();
        s.end(down);
        readAll(s).then((b) => resolve(createHash('sha256').update(b).digest('hex')), () => resolve('error'));
      };
    });
    const s = await p.client.createStream({ streamtype: 'stdin' });
    for (let at = 0; at < up.length; at += 1 << 20) s.write(up.subarray(at, at + (1 << 20)));
    s.end();
    const clientGot = createHash('sha256').update(await readAll(s)).digest('hex');
    assert.equal(clientGot, createHash('sha256').update(down).digest('hex'));
    assert.equal(await serverGot, createHash('sha256').update(up).digest('hex'));

    const big = randomBytes(20 << 20);
    const got = new Promise<Buffer>((resolve) => { p.server.onStream = (s2) => { s2.reply(); s2.end(); readAll(s2).then(resolve, () => {}); }; });
    const s3 = await p.client.createStream({ streamtype: 'big' });
    s3.end(big);
    assert.ok((await got).equals(big));
  } finally {
    await p.close();
  }
});

// Polls until `value` has not moved for `polls` polls in a row (a stall), with a deadline.
async function waitStable(value: () => number, what: string, polls = 5): Promise<number> {
  let last = -1;
  let same = 0;
  return waitFor(() => {
    const v = value();
    same = v === last ? same + 1 : 0;
    last = v;
    return same >= polls ? v + 1 : false;
  }, { timeoutMs: 30_000, intervalMs: 40, what }).then((v) => v - 1);
}

test('a reader that stops: the sender\'s write callbacks stop, memory stays bounded, then everything arrives', async () => {
  const p = await connectionPair();
  try {
    const total = 64 << 20;
    const chunk = randomBytes(64 << 10);
    let acked = 0;
    const sent = createHash('sha256');
    let done!: () => void;
    const allAcked = new Promise<void>((r) => { done = r; });
    p.server.onStream = (s) => {
      s.reply();
      let written = 0;
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          sent.update(chunk);
          const more = s.write(chunk, () => { acked += chunk.length; if (acked === total) done(); });
          if (!more) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    };
    const s = await p.client.createStream({ streamtype: 'stdout' });
    // nobody reads s: the server's callbacks must stop well short of the total
    const stalledAt = await waitStable(() => acked, 'the sender to stall');
    assert.ok(stalledAt < 32 << 20, `acked ${stalledAt} bytes with nobody reading`);
    assert.ok(s.readableLength <= 17 << 20, `the stopped reader holds ${s.readableLength} bytes`);
    assert.ok(p.sockets[0].isPaused(), 'the client socket is paused for the full stream');
    const got = createHash('sha256');
    for await (const c of s) got.update(c as Buffer);
    await allAcked;
    assert.equal(got.digest('hex'), sent.digest('hex'));
  } finally {
    await p.close();
  }
});

test('a reader that stops, then disconnects: the writer is let go, the server connection closes, nothing thrown', async () => {
  const p = await connectionPair();
  try {
    let serverStream!: SpdyStream;
    let acked = 0;
    p.server.onStream = (s) => {
      serverStream = s;
      s.reply();
      const chunk = Buffer.alloc(64 << 10);
      const pump = () => { while (s.write(chunk, () => { acked += chunk.length; })); s.once('drain', pump); };
      pump();
    };
    await p.client.createStream({ streamtype: 'stdout' });
    await waitStable(() => acked, 'the sender to stall');
    p.sockets[0].destroy(); // the client vanishes mid-stream
    await p.server.closed;
    await waitFor(() => serverStream.readableEnded || serverStream.destroyed || serverStream.writableLength === 0, { ...deadline, what: 'the stream released' });
    assert.equal(p.server.streams.size, 0);
  } finally {
    await p.close();
  }
});

test('ping round trip both ways (client odd ids, server even; each echoes the other)', async () => {
  const p = await connectionPair();
  try {
    const ms = await p.client.ping();
    assert.ok(ms >= 0 && ms < 30_000);
    assert.ok((await p.server.ping()) >= 0);
    assert.ok((await p.client.ping()) >= 0);
  } finally {
    await p.close();
  }
});

test('keepalive pings every pingIntervalMs, answered by the peer', async () => {
  const [c, s] = await tcpPair();
  const raw = new RawPeer(s);
  const client = new SpdyConnection(c, { role: 'client', pingIntervalMs: 20 });
  try {
    await raw.next((f) => f.type === 'ping' && f.id === 1, 'ping 1');
    raw.send({ type: 'ping', id: 1 });
    await raw.next((f) => f.type === 'ping' && f.id === 3, 'ping 3 after the answer');
  } finally {
    client.destroy();
    s.destroy();
  }
});

test('raw peer: DATA before our SYN_REPLY is dropped; after it, delivered; a peer ping is echoed', async () => {
  const [c, s] = await tcpPair();
  const raw = new RawPeer(c);
  const server = new SpdyConnection(s, { role: 'server' });
  const got: string[] = [];
  server.onStream = (st) => {
    st.on('data', (d: Buffer) => got.push(`${st.id}:${d}`));
    if (st.id === 1) setImmediate(() => st.reply()); // replies late: DATA sent right away is lost
    else st.reply(); // replies at once: DATA right after SYN_STREAM is handled after the reply
  };
  try {
    raw.synStream(1, { streamtype: 'a' });
    raw.data(1, 'early');
    await raw.next((f) => f.type === 'synReply' && f.streamId === 1, 'reply 1');
    raw.data(1, 'late');
    raw.synStream(3, { streamtype: 'b' });
    raw.data(3, 'quick');
    raw.send({ type: 'ping', id: 7 });
    await raw.next((f) => f.type === 'ping' && f.id === 7, 'echo of ping 7');
    await waitFor(() => got.length === 2, { ...deadline, what: 'two deliveries' });
    assert.deepEqual(got, ['1:late', '3:quick']);
  } finally {
    server.destroy();
    c.destroy();
  }
});

test('raw peer: stream ids must go up; a backwards SYN_STREAM gets RST_STREAM PROTOCOL_ERROR', async () => {
  const [c, s] = await tcpPair();
  const raw = new RawPeer(c);
  const server = new SpdyConnection(s, { role: 'server' });
  const ids: number[] = [];
  server.onStream = (st) => { ids.push(st.id); st.reply(); };
  try {
    raw.synStream(5, {});
    raw.synStream(3, {});
    await raw.next((f) => f.type === 'rstStream' && f.streamId === 3, 'RST for 3');
    assert.deepEqual(raw.frames.find((f) => f.type === 'rstStream'), { type: 'rstStream', streamId: 3, status: RstStatus.protocolError });
    assert.deepEqual(ids, [5]);
  } finally {
    server.destroy();
    c.destroy();
  }
});

test('Close: RST_STREAM CANCEL for each open stream, then GOAWAY naming the last stream, then EOF', async () => {
  const [c, s] = await tcpPair();
  const raw = new RawPeer(c);
  const server = new SpdyConnection(s, { role: 'server' });
  server.onStream = (st) => st.reply();
  try {
    raw.synStream(1, { streamtype: 'error' });
    raw.synStream(3, { streamtype: 'stdout' });
    await raw.next((f) => f.type === 'synReply' && f.streamId === 3, 'reply 3');
    await server.close();
    await waitFor(() => raw.ended, { ...deadline, what: 'EOF' });
    const tail = raw.frames.filter((f) => f.type !== 'synReply');
    assert.deepEqual(tail, [
      { type: 'rstStream', streamId: 1, status: RstStatus.cancel },
      { type: 'rstStream', streamId: 3, status: RstStatus.cancel },
      { type: 'goAway', lastGoodStreamId: 3, status: 0 },
    ]);
  } finally {
    c.destroy();
  }
});

test('peer RST after data: the reader still gets every byte, then end, a reset event and no error', async () => {
  const p = await connectionPair();
  try {
    p.server.onStream = (st) => {
      st.reply();
      st.write('all of it');
      st.once('data', () => st.reset()); // the peer closes hard, as a Kubernetes server's Close does
    };
    const s = await p.client.createStream({ streamtype: 'stdout' });
    const reset = once(s, 'reset');
    s.write('go');
    assert.equal((await readAll(s)).toString(), 'all of it');
    assert.deepEqual(await reset, [RstStatus.cancel]);
    await waitFor(() => s.destroyed && p.client.streams.size === 0, { ...deadline, what: 'the stream gone' });
  } finally {
    await p.close();
  }
});

test('createStream: refused (RST REFUSED_STREAM), timed out (no SYN_REPLY), closed', async () => {
  const p = await connectionPair();
  try {
    p.server.onStream = (st) => { if (st.headers.streamtype === 'no') st.refuse(); };
    await assert.rejects(p.client.createStream({ streamtype: 'no' }), /Stream reset: RST_STREAM REFUSED_STREAM for stream 1/);
    await assert.rejects(p.client.createStream({ streamtype: 'silence' }, 100), /Timeout occurred: no SYN_REPLY for stream 3 in 100ms/);
    await waitFor(() => p.server.streams.size === 0 && p.client.streams.size === 0, { ...deadline, what: 'the timed-out stream reset on both sides' });
    const pending = p.client.createStream({ streamtype: 'silence' });
    p.client.destroy();
    await assert.rejects(pending, /connection closed/);
    await assert.rejects(p.client.createStream({}), /connection closed/);
  } finally {
    await p.close();
  }
});

test('GOAWAY from the peer: every stream reads EOF, no new streams, the socket closes', async () => {
  const [c, s] = await tcpPair();
  const raw = new RawPeer(s);
  const client = new SpdyConnection(c, { role: 'client' });
  try {
    const created = client.createStream({ streamtype: 'stdout' });
    await raw.next((f) => f.type === 'synStream', 'SYN_STREAM');
    raw.synReply(1);
    const st = await created;
    raw.data(1, 'bye');
    raw.send({ type: 'goAway', lastGoodStreamId: 0, status: 0 });
    assert.equal((await readAll(st)).toString(), 'bye');
    await client.closed;
    await assert.rejects(client.createStream({}), /connection closed/);
  } finally {
    client.destroy();
    s.destroy();
  }
});

test('idle timeout: streams reset and the connection closed once nothing moves; any frame counts as activity', async () => {
  const p = await connectionPair({}, { idleTimeoutMs: 300 });
  try {
    p.server.onStream = (st) => st.reply();
    const s = await p.client.createStream({ streamtype: 'stdin' });
    // pings keep it alive past several timeouts
    const start = Date.now();
    while (Date.now() - start < 900) await p.client.ping();
    assert.equal(p.server.streams.size, 1);
    const reset = once(s, 'reset');
    await Promise.all([p.server.closed, p.client.closed]);
    assert.deepEqual(await reset, [RstStatus.cancel]);
    assert.ok(p.logs.some((l) => /server spdy: idle for 300ms: resetting 1 streams and closing/.test(l)), p.logs.join('\n'));
  } finally {
    await p.close();
  }
});

test('an unknown control frame type (NOOP) tears the connection down, logged', async () => {
  const [c, s] = await tcpPair();
  const logs: string[] = [];
  const server = new SpdyConnection(s, { role: 'server', log: (l) => logs.push(l) });
  c.on('error', () => {});
  c.write(Buffer.from('8003000500000000', 'hex'));
  await server.closed;
  assert.ok(logs.some((l) => /frame read error: invalid control frame: unknown control frame type 5/.test(l)), logs.join('\n'));
  c.destroy();
});

test('garbage instead of frames: the connection is destroyed with a logged error, nothing thrown', async () => {
  const [c, s] = await tcpPair();
  const logs: string[] = [];
  const server = new SpdyConnection(s, { role: 'server', log: (l) => logs.push(l) });
  c.on('error', () => {});
  c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // 'GET ' is a DATA head for stream 0x47455420: fine; its length is not
  c.write(Buffer.from('8003000100000010' + '00000001' + '00000000' + '0000' + 'deadbeefdeadbeef'.slice(0, 12), 'hex'));
  c.end();
  await server.closed;
  assert.ok(logs.some((l) => /frame read error: unexpected EOF \(\d+ bytes of a frame\)/.test(l)), logs.join('\n'));
  c.destroy();
});

test('a header block that does not inflate ends the connection; head bytes given to the constructor come first', async () => {
  const [c, s] = await tcpPair();
  const logs: string[] = [];
  const raw = new RawPeer(c);
  // the ping arrives as bytes read past the 101, before anything on the socket
  const server = new SpdyConnection(s, { role: 'server', log: (l) => logs.push(l) }, Buffer.from('800300060000000400000009', 'hex'));
  await raw.next((f) => f.type === 'ping' && f.id === 9, 'echo of the head ping');
  raw.send({ type: 'synStream', streamId: 1, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: Buffer.from('not zlib') });
  await server.closed;
  assert.ok(logs.some((l) => /compressed payload size was incorrect/.test(l)), logs.join('\n'));
  c.destroy();
});
