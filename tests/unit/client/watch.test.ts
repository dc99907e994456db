// The watch client against a local server: events as an async iterator, query passing, abort, Status errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESTClient } from '../../../src/client/rest-client.ts';
import { watch } from '../../../src/client/watch.ts';
import { StatusError } from '../../../src/api/status.ts';
import { waitFor } from '../../../src/util/wait.ts';

async function serve(t: { after: (fn: () => Promise<void>) => void }, handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('yields each event; ends when the server ends the stream', async (t) => {
  let seenUrl = '';
  const { url } = await serve(t, (req, res) => {
    seenUrl = req.url!;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD');
    res.end('IFIED","object":{"metadata":{"name":"a"}}}\n');
  });
  const types: string[] = [];
  for await (const ev of watch(new RESTClient({ server: url }), '/api/v1/pods', { query: { resourceVersion: '7', fieldSelector: 'metadata.name=a' } })) types.push(ev.type);
  assert.deepEqual(types, ['ADDED', 'MODIFIED']);
  assert.equal(seenUrl, '/api/v1/pods?fieldSelector=metadata.name%3Da&resourceVersion=7&watch=true');
});

test('an AbortSignal ends the iteration quietly and closes the connection', async (t) => {
  let closed = false;
  const { url } = await serve(t, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
    req.socket.on('close', () => { closed = true; });
  });
  const ac = new AbortController();
  const types: string[] = [];
  for await (const ev of watch(new RESTClient({ server: url }), '/api/v1/pods', { signal: ac.signal })) {
    types.push(ev.type);
    ac.abort();
  }
  assert.deepEqual(types, ['ADDED']);
  await waitFor(() => closed, { what: 'the watch connection to close' });
});

test('a refused watch rejects with the Status', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(410, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Expired', message: 'too old resource version: 1 (5)', code: 410, metadata: {} }));
  });
  const it = watch(new RESTClient({ server: url }), '/api/v1/pods', { query: { resourceVersion: '1' } });
  await assert.rejects(it.next(), (e: unknown) => e instanceof StatusError && e.status.reason === 'Expired' && e.code === 410);
});

test('the client\'s request timeout does not cut a watch short', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
    // The second event comes well after the client's 30 ms timeout, once the first was read.
    setTimeout(() => res.end('{"type":"DELETED","object":{"metadata":{"name":"a"}}}\n'), 150);
  });
  const types: string[] = [];
  for await (const ev of watch(new RESTClient({ server: url, timeoutMs: 30 }), '/api/v1/pods')) types.push(ev.type);
  assert.deepEqual(types, ['ADDED', 'DELETED']);
});
