// The SPDY layer (src/spdy/) against the plainest code that moves the same bytes: one stream over loopback TCP against
// the bare socket, and FrameDecoder against slicing the same bytes. Numbers to read, never asserted.
import net from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { SpdyConnection } from '../../src/spdy/connection.ts';
import { FrameDecoder, encodeDataHead } from '../../src/spdy/frames.ts';
import { median, type Row } from './stats.ts';

async function tcpPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [s] = await accepted;
  server.close();
  return [client, s];
}

// Writes `total` bytes in 64 KiB chunks into `w`, respecting its backpressure; resolves when the reader has them all.
async function pump(w: NodeJS.WritableStream & { write(b: Buffer): boolean }, r: NodeJS.ReadableStream, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  let got = 0;
  const start = performance.now();
  const done = new Promise<void>((resolve) => r.on('data', (c: Buffer) => { got += c.length; if (got >= total) resolve(); }));
  for (let sent = 0; sent < total; sent += chunk.length) if (!w.write(chunk)) await once(w, 'drain');
  await done;
  return total / 2 ** 20 / ((performance.now() - start) / 1000);
}

async function overSpdy(total: number): Promise<number> {
  const [a, b] = await tcpPair();
  const client = new SpdyConnection(a, { role: 'client' });
  const server = new SpdyConnection(b, { role: 'server' });
  const accepted = new Promise<NodeJS.ReadableStream>((resolve) => { server.onStream = (s) => { s.reply(); resolve(s); }; });
  const stream = await client.createStream({ streamtype: 'stdout' });
  const rate = await pump(stream, await accepted, total);
  client.destroy();
  server.destroy();
  return rate;
}

async function overTcp(total: number): Promise<number> {
  const [a, b] = await tcpPair();
  const rate = await pump(a, b, total);
  a.destroy();
  b.destroy();
  return rate;
}

function decodeRate(total: number, slice: boolean): number {
  const payload = Buffer.alloc(64 * 1024, 1);
  const frame = Buffer.concat([encodeDataHead(1, 0, payload.length), payload]);
  const start = performance.now();
  const d = new FrameDecoder();
  let n = 0;
  for (let at = 0; at < total; at += payload.length) n += slice ? frame.subarray(8).length : d.push(frame).length;
  if (n === 0) throw new Error('nothing decoded');
  return total / 2 ** 20 / ((performance.now() - start) / 1000);
}

export async function benchSpdy(reps: number, bytes: number): Promise<Row[]> {
  const ours: number[] = [];
  const base: number[] = [];
  await overSpdy(bytes / 8);
  await overTcp(bytes / 8); // warm-up
  for (let i = 0; i < reps; i++) { base.push(await overTcp(bytes)); ours.push(await overSpdy(bytes)); }
  const dOurs: number[] = [];
  const dBase: number[] = [];
  for (let i = 0; i < reps; i++) { dBase.push(decodeRate(bytes, true)); dOurs.push(decodeRate(bytes, false)); }
  const mib = Math.round(bytes / 2 ** 20);
  return [
    { checkpoint: '-', metric: `spdy: one stream, ${mib} MiB over loopback TCP (vs the bare socket)`, unit: 'MiB/s', ours: median(ours), baseline: median(base), ratio: median(ours.map((x, i) => x / base[i]!)), n: reps },
    { checkpoint: '-', metric: 'spdy: FrameDecoder, 64 KiB DATA frames (vs subarray)', unit: 'MiB/s', ours: median(dOurs), baseline: median(dBase), ratio: median(dOurs.map((x, i) => x / dBase[i]!)), n: reps },
  ];
}
