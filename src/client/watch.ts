// Watches a collection: a long GET whose body is a stream of events, as an async iterator that an AbortSignal ends (client-go rest/request.go Watch, watch/streamwatcher.go).
import type { WatchEvent } from '../api/types.ts';
import type { RESTClient, Query } from './rest-client.ts';
import { Accept } from './rest-client.ts';
import { statusErrorFromResponse } from './errors.ts';
import { WatchDecoder } from './watch-decoder.ts';

export interface WatchOptions {
  query?: Query;          // resourceVersion, labelSelector, fieldSelector...; watch=true is added
  accept?: string;        // Accept.table makes the server send Table rows as the event objects
  signal?: AbortSignal;   // aborting ends the iteration quietly
}

// Reconnecting is the caller's job: the iterator ends when the server ends the stream.
export async function* watch<T>(client: RESTClient, path: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
  let opened;
  try {
    // A watch lives as long as the server keeps it: the client's per-request timeout does not apply (0).
    opened = await client.open({ path, query: { ...opts.query, watch: 'true' }, accept: opts.accept ?? Accept.json, signal: opts.signal, timeoutMs: 0 });
  } catch (err) {
    if (opts.signal?.aborted) return;
    throw err;
  }
  const { res } = opened;
  const code = res.statusCode ?? 0;
  if (code < 200 || code > 299) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw statusErrorFromResponse(code, Buffer.concat(chunks));
  }
  const decoder = new WatchDecoder<T>();
  try {
    for await (const chunk of res) {
      // A slow consumer pauses this loop, and with it the socket: backpressure reaches the server.
      for (const event of decoder.push(chunk as Buffer)) yield event;
    }
    for (const event of decoder.end()) yield event;
  } catch (err) {
    if (opts.signal?.aborted) return;
    throw err;
  } finally {
    res.destroy();
  }
}
