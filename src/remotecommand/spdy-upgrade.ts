// The SPDY upgrade request and the checks on its answer: POST, Connection: Upgrade, Upgrade: SPDY/3.1, one
// X-Stream-Protocol-Version line per protocol, only a 101 with both headers accepted (streaming httpstream/spdy
// roundtripper.go RoundTrip, NewConnection; client-go transport/spdy/spdy.go Negotiate).
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { Status } from '../api/status.ts';
import { UpgradeError, type UpgradeResponse } from './websocket-client.ts';

// TLS for https: URLs (the subset of tls.connect options kubectl's rest config carries).
export interface SpdyTLSOptions { ca?: string | Buffer | (string | Buffer)[]; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean; servername?: string }

export interface SpdyUpgradeOptions {
  protocols: string[];
  headers?: Record<string, string>;
  tls?: SpdyTLSOptions;
  // How to reach the server (the API server's way to its kubelets; chapter 9 swaps in TLS). Default: TCP, or TLS for https.
  dial?: (location: URL) => Duplex;
  signal?: AbortSignal;
  onResponse?(r: UpgradeResponse): void;
}

export interface SpdyUpgrade { socket: Duplex; head: Buffer; protocol: string }

const MAX_ERROR_BYTES = 1 << 20;

// #region spdy-upgrade
// Resolves with the switched socket, the bytes that came with the 101, and the protocol the server chose
// (X-Stream-Protocol-Version; empty from a server that predates negotiation). A refusal rejects with the same
// UpgradeError the WebSocket client throws, carrying the server's Status when its body decodes as one.
export function spdyUpgrade(url: string | URL, o: SpdyUpgradeOptions): Promise<SpdyUpgrade> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new Error(`unknown url scheme: ${target.protocol.replace(/:$/, '')}`));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(target, {
      method: 'POST',
      // A connection of its own, never pooled. (An agent, even `false`'s fresh one, would ignore createConnection.)
      agent: o.dial ? undefined : false,
      // A body-less POST: Go writes Content-Length: 0, and so do we (no chunked encoding before a protocol switch).
      headers: { ...o.headers, 'Content-Length': '0', Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': o.protocols },
      ...(o.dial ? { createConnection: () => o.dial!(target) as Socket } : {}),
      ...(secure ? o.tls : {}),
    });
    let done = false;
    const fail = (err: Error) => { if (!done) { done = true; o.signal?.removeEventListener('abort', onAbort); req.destroy(); reject(err); } };
    const onAbort = () => fail(o.signal?.reason instanceof Error ? o.signal.reason : new Error('aborted'));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const report = (res: http.IncomingMessage) => o.onResponse?.({
      statusCode: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers,
      protocol: String(res.headers['x-stream-protocol-version'] ?? ''), ms: Math.round(performance.now() - started),
    });

    req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      report(res);
      const connection = String(res.headers.connection ?? '').toLowerCase();
      const upgrade = String(res.headers.upgrade ?? '').toLowerCase();
      if (!connection.includes('upgrade') || !upgrade.includes('spdy/3.1')) {
        socket.destroy();
        return fail(new UpgradeError(res.statusCode ?? 101, undefined, ''));
      }
      if (done) return void socket.destroy();
      done = true;
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ socket, head, protocol: String(res.headers['x-stream-protocol-version'] ?? '') });
    });
    // Anything but a 101 that switched: read the body, which is the server's reason.
    req.on('response', (res: http.IncomingMessage) => {
      report(res);
      if (res.statusCode === 101) return fail(new UpgradeError(101, undefined, ''));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { if ((size += c.length) <= MAX_ERROR_BYTES) chunks.push(c); });
      res.on('error', (err) => fail(err));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        fail(new UpgradeError(res.statusCode ?? 0, decodeStatusBody(body), body.trim()));
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail(new Error(`error sending request: Post ${JSON.stringify(target.href)}: ${describeNetError(err, target)}`)));
    req.end();
  });
}
// #endregion spdy-upgrade

// Go's words for a failed dial or read, so the message reads like client-go's url.Error.
function describeNetError(err: NodeJS.ErrnoException, location: URL): string {
  const addr = `${location.hostname}:${location.port || (location.protocol === 'https:' ? 443 : 80)}`;
  const why: Record<string, string> = {
    ECONNREFUSED: `dial tcp ${addr}: connect: connection refused`,
    ECONNRESET: `read tcp ${addr}: read: connection reset by peer`,
    EHOSTUNREACH: `dial tcp ${addr}: connect: no route to host`,
    ENETUNREACH: `dial tcp ${addr}: connect: network is unreachable`,
    ETIMEDOUT: `dial tcp ${addr}: i/o timeout`,
  };
  if (err.message === 'socket hang up') return 'EOF';
  return (err.code && why[err.code]) || err.message;
}

// client-go decodes the body with the universal decoder into a metav1.Status: JSON or YAML, any map will do (its
// kind, if any, must be Status). A plain-text body holding one ": " is YAML, and so an empty Status: kubectl then
// prints "Error from server: " and nothing more, as the real one does.
export function decodeStatusBody(body: string): Status | undefined {
  if (body.trim() === '') return undefined;
  let value: unknown;
  try { value = parseYaml(body); } catch { return undefined; }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Partial<Status> & { kind?: unknown; apiVersion?: unknown };
  if (v.kind !== undefined && v.kind !== 'Status') return undefined;
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {},
    status: v.status === 'Success' ? 'Success' : 'Failure',
    ...(typeof v.message === 'string' ? { message: v.message } : { message: '' }),
    ...(typeof v.reason === 'string' ? { reason: v.reason } : {}),
    ...(typeof v.code === 'number' ? { code: v.code } : {}),
    ...(v.details && typeof v.details === 'object' ? { details: v.details } : {}),
  };
}
