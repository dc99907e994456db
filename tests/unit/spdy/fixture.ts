// Test fixture for the SPDY connection: a real TCP socket pair, and a raw peer that speaks frames by hand.
import net from 'node:net';
import { once } from 'node:events';
import { FrameDecoder, encodeFrame, type Frame } from '../../../src/spdy/frames.ts';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from '../../../src/spdy/header-block.ts';
import { SpdyConnection, type SpdyConnectionOptions } from '../../../src/spdy/connection.ts';
import { waitFor } from '../../../src/util/wait.ts';

// Two ends of one loopback TCP connection (an ephemeral port, the listener closed once they are connected).
export async function tcpPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [serverSide] = await accepted;
  server.close();
  return [client, serverSide];
}

export interface Pair {
  client: SpdyConnection;
  server: SpdyConnection;
  logs: string[];
  sockets: [net.Socket, net.Socket];
  close(): Promise<void>;
}

export async function connectionPair(clientOpts: Partial<SpdyConnectionOptions> = {}, serverOpts: Partial<SpdyConnectionOptions> = {}): Promise<Pair> {
  const sockets = await tcpPair();
  const logs: string[] = [];
  const client = new SpdyConnection(sockets[0], { role: 'client', log: (l) => logs.push(`client ${l}`), ...clientOpts });
  const server = new SpdyConnection(sockets[1], { role: 'server', log: (l) => logs.push(`server ${l}`), ...serverOpts });
  return {
    client, server, logs, sockets,
    async close() {
      client.destroy();
      server.destroy();
      await Promise.all([client.closed, server.closed]);
    },
  };
}

// A hand-driven peer: frames in and out on a raw socket, with its own zlib contexts, no session rules.
export class RawPeer {
  readonly frames: Frame[] = [];
  readonly headers = new Map<Frame, SpdyHeaders>();
  ended = false;
  private readonly decoder = new FrameDecoder();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();

  constructor(readonly socket: net.Socket) {
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) {
        if (f.type === 'synStream' || f.type === 'synReply' || f.type === 'headers') this.headers.set(f, this.decompressor.decompress(f.headerBlock));
        this.frames.push(f);
      }
    });
    socket.on('end', () => { this.ended = true; });
  }

  send(f: Frame): void {
    this.socket.write(encodeFrame(f));
  }

  synStream(streamId: number, headers: SpdyHeaders, flags = 0): void {
    this.send({ type: 'synStream', streamId, associatedId: 0, priority: 0, slot: 0, flags, headerBlock: this.compressor.compress(headers) });
  }

  synReply(streamId: number, headers: SpdyHeaders = {}, flags = 0): void {
    this.send({ type: 'synReply', streamId, flags, headerBlock: this.compressor.compress(headers) });
  }

  data(streamId: number, text: string, flags = 0): void {
    this.send({ type: 'data', streamId, flags, data: Buffer.from(text) });
  }

  async next(pred: (f: Frame) => boolean, what: string): Promise<Frame> {
    return waitFor(() => this.frames.find(pred), { timeoutMs: 20_000, what });
  }
}

// Everything a readable gives until its end, as one buffer.
export async function readAll(r: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
