// The upgrade-aware proxy: replays a client's upgrade request to a backend location and joins the two
// connections only after the backend answers 101 (apimachinery pkg/util/proxy/upgradeaware.go, UpgradeAwareHandler).
import { connect, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRequest, type Status } from '../api/status.ts';
import { ResponseHeadParser, headerValue, serializeRequestHead, serializeResponseHead, type ParsedResponse } from './http-head.ts';
import { closeAfterFlush, writeStatusAndClose } from '../util/raw-response.ts';
import { describeLoss, lostStreamWatchFor } from './lost-stream.ts';
import { withoutCredentials } from './credential-headers.ts';
import { HeldClient } from './held-client.ts';

export interface UpgradeAwareProxyOptions {
  // Who the backend is, for every error this proxy creates: "kubelet node-1".
  hop: string;
  // The only deadline before the backend answers (default 30 s, the API server's kubelet dialer). Once the request
  // is sent there is none: upgradeaware.go reads the response head without a deadline, so a backend that is slow
  // under load is waited for, never abandoned after it may have started the command.
  dialTimeoutMs?: number;
  // Deadline for relaying a refusal's body to the client (upgradeaware.go: 10 s).
  refusalTimeoutMs?: number;
  // The redirect seam. Kubernetes removed redirect following from the proxy; chapter 5 shows the historical
  // mode (ConnectWithRedirects). Absent: a 3xx is refused like any answer below 400 that is not a 101.
  redirects?: RedirectPolicy;
  // How to reach the backend (chapter 9 swaps in TLS). Default: plain TCP for http: URLs.
  dial?: (location: URL) => Socket;
  // Set by the hops of an exec chain: when the backend dies mid-stream (no close frame) on a remotecommand
  // protocol with a JSON error channel, the client gets a Status with this message on channel 3, then a
  // close 1000, instead of a bare TCP close (kubectl's "close 1006 (abnormal closure)"). `cause` is "EOF" or
  // the socket error ("read ECONNRESET"); the message names the hop: "kubelet node-2: connection lost mid-stream: EOF".
  lostStream?: (cause: string) => string;
}

// Asked about each answer before a 101: follow it (the request goes again, as a GET, to `follow`), fail with
// `error`, or undefined to treat the answer as usual. `followed` counts the redirects already followed.
export type RedirectDecision = { follow: URL } | { error: string } | undefined;
export type RedirectPolicy = (answer: { statusCode: number; location?: string }, current: URL, original: URL, followed: number) => RedirectDecision;

// kube-apiserver dials kubelets with a net.Dialer{Timeout: 30 * time.Second} (http.DefaultTransport's).
export const DIAL_TIMEOUT_MS = 30_000;
// upgradeaware.go tryUpgrade: "set read/write deadlines" of 10 s before echoing a backend's refusal.
export const REFUSAL_TIMEOUT_MS = 10_000;

// Go's net.OpError text, so that a failed dial reads like the real API server's
// "error dialing backend: dial tcp 10.0.0.5:10250: connect: connection refused".
export function describeDialError(err: NodeJS.ErrnoException, location: URL): string {
  // A dial seam that words its own errors (chapter 9's TLS dialer: "tls: failed to verify certificate: ...").
  const own = (err as { dialError?: unknown }).dialError;
  if (typeof own === 'string') return own;
  const addr = `${location.hostname}:${location.port || (location.protocol === 'https:' ? 443 : 80)}`;
  const why: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    ECONNRESET: 'read: connection reset by peer',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    ETIMEDOUT: 'i/o timeout',
  };
  return `dial tcp ${addr}: ${(err.code && why[err.code]) ?? err.message}`;
}

// A Status with no reason and code 500 is what apiserver's ErrorToAPIStatus makes of a plain Go error,
// so kubectl prints "Error from server: <message>" exactly as with a real cluster.
function plainError(message: string, code = 500): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
}

export function isUpgradeRequest(req: IncomingMessage): boolean {
  return (req.headers.connection ?? '').toLowerCase().split(',').some((t) => t.trim() === 'upgrade');
}

// #region upgrade-aware-proxy
export class UpgradeAwareProxy {
  constructor(readonly location: URL, private readonly opts: UpgradeAwareProxyOptions) {}

  // Owns `client` from here on. Resolves once both connections are closed.
  async serveUpgrade(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    if (!isUpgradeRequest(req)) return writeStatusAndClose(client, badRequest('Upgrade request required').status);
    // Nothing the client sends reaches the backend until it has agreed to switch protocols.
    const held = new HeldClient(client, head);
    let location = this.location;
    let method = req.method ?? 'GET';
    for (let followed = 0; ; followed++) {
      let backend: Socket;
      let answer: ParsedResponse;
      try {
        backend = await this.dial(location);
      } catch (err) {
        held.release();
        return writeStatusAndClose(client, plainError(`${this.opts.hop}: error dialing backend: ${describeDialError(err as NodeJS.ErrnoException, location)}`));
      }
      // A client that went away gets no request sent for it, and one that goes while the backend thinks
      // takes the backend connection with it: no exec runs for nobody.
      if (held.gone) { held.release(); backend.destroy(); return void client.destroy(); }
      held.onGone = () => backend.destroy();
      try {
        // The client's credentials stop here: a kubelet's address is whatever its Node object says.
        backend.write(serializeRequestHead(method, location.pathname + location.search, withoutCredentials(req.rawHeaders), {
          Host: location.host,
          'X-Forwarded-For': forwardedFor(req),
        }));
        answer = await this.readResponseHead(backend);
      } catch (err) {
        backend.destroy();
        held.release();
        if (held.gone) return void client.destroy();
        return writeStatusAndClose(client, plainError(`${this.opts.hop}: error proxying upgrade request: ${(err as Error).message}`));
      }
      held.onGone = undefined;
      if (held.gone) { held.release(); backend.destroy(); return void client.destroy(); }
      const code = answer.head.statusCode;
      if (code === 101) return this.join(client, held.release(), backend, answer);
      const redirect = this.opts.redirects?.({ statusCode: code, location: headerValue(answer.head, 'location') }, location, this.location, followed);
      if (redirect && 'follow' in redirect) { backend.destroy(); location = redirect.follow; method = 'GET'; continue; }
      held.release(); // bytes the client sent early are dropped with the refusal
      if (redirect) {
        backend.destroy();
        return writeStatusAndClose(client, plainError(`${this.opts.hop}: ${redirect.error}`));
      }
      if (code < 400) {
        backend.destroy();
        return writeStatusAndClose(client, plainError(`${this.opts.hop}: invalid upgrade response: status code ${code}`));
      }
      // The refusal goes back to the client and the backend connection is closed with it. Never reused:
      // CVE-2018-1002105 was an API server that kept piping client bytes to a kubelet after a failed upgrade.
      return this.relayRefusal(client, backend, answer);
    }
  }
  // #endregion upgrade-aware-proxy

  private dial(location: URL): Promise<Socket> {
    if (!this.opts.dial && location.protocol !== 'http:') {
      return Promise.reject(new Error(`unsupported scheme ${location.protocol}`));
    }
    const socket = this.opts.dial
      ? this.opts.dial(location)
      : connect({ host: location.hostname, port: Number(location.port || 80) });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { socket.destroy(); reject(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })); }, this.opts.dialTimeoutMs ?? DIAL_TIMEOUT_MS);
      const event = 'encrypted' in socket ? 'secureConnect' : 'connect';
      socket.once(event, () => { clearTimeout(timer); socket.off('error', onError); resolve(socket); });
      const onError = (err: Error) => { clearTimeout(timer); socket.destroy(); reject(err); };
      socket.once('error', onError);
    });
  }

  // No deadline: the backend may queue the request behind a thousand others (CRI Exec, the streaming server's
  // spawns) and still run it. Giving up here would tell the client "failed" about a command that then runs,
  // and kubectl would try again over SPDY. The wait ends when the backend answers or closes, or the client leaves
  // (HeldClient notices, and the backend connection is closed).
  private readResponseHead(backend: Socket): Promise<ParsedResponse> {
    const parser = new ResponseHeadParser();
    return new Promise((resolve, reject) => {
      const cleanup = () => { backend.off('data', onData); backend.off('error', onFail); backend.off('end', onEnd); backend.off('close', onEnd); };
      const onData = (chunk: Buffer) => {
        try {
          const parsed = parser.push(chunk);
          if (parsed) { cleanup(); backend.pause(); resolve(parsed); }
        } catch (err) { cleanup(); reject(err); }
      };
      const onFail = (err: Error) => { cleanup(); reject(err); };
      const onEnd = () => onFail(new Error('backend closed the connection before answering'));
      backend.on('data', onData);
      backend.once('error', onFail);
      backend.once('end', onEnd);
      backend.once('close', onEnd);
    });
  }

  // 101: relay the backend's raw answer, then the bytes the client sent early, then pipe both ways.
  // When either direction ends, both connections are closed.
  private join(client: Duplex, early: Buffer, backend: Socket, answer: ParsedResponse): Promise<void> {
    // Only watches: the bytes are relayed unchanged, and backpressure stays the pipe's.
    const watch = this.opts.lostStream
      ? lostStreamWatchFor(headerValue(answer.head, 'upgrade'), headerValue(answer.head, 'sec-websocket-protocol'))
      : undefined;
    client.write(answer.raw);
    if (answer.rest.length) { watch?.observe(answer.rest); client.write(answer.rest); }
    if (early.length) backend.write(early);
    if (watch) backend.on('data', (chunk: Buffer) => watch.observe(chunk));
    return new Promise((resolve) => {
      let open = 2;
      const closed = () => { if (--open === 0) resolve(); };
      const ending = new WeakSet<Duplex>();
      // End `to` once its peer (`gone`) is gone: flush what is queued, then keep reading and discarding
      // what `to` still sends until it ends too. Destroying a socket with unread input sends a TCP RST,
      // and an RST overtakes the last frames still on their way to the hop before us: a runtime's close
      // 1009 became "kubelet: connection lost: write EPIPE" there. A peer that neither reads nor ends
      // gets 5 s, then the socket is destroyed anyway.
      const finish = (to: Duplex, gone: Duplex) => {
        if (to.destroyed || ending.has(to)) return;
        ending.add(to);
        to.unpipe(gone);
        const timer = setTimeout(() => to.destroy(), 5000);
        const done = () => { if (to.writableFinished && to.readableEnded) to.destroy(); };
        to.once('close', () => clearTimeout(timer));
        to.once('finish', done);
        to.once('end', done);
        to.on('data', () => { /* discarded: nobody is left to take it */ });
        to.end();
        to.resume();
        done();
      };
      let lostBecause: Error | undefined;
      // The backend went away. On its own (we did not end it) and before its close frame: say so, if we can.
      const backendGone = () => {
        if (watch && !ending.has(backend) && !ending.has(client) && !client.destroyed) {
          const verdict = watch.verdict(this.opts.lostStream!(describeLoss(lostBecause)));
          if (verdict.action === 'cut') return void client.destroy();
          if (verdict.action === 'report') {
            ending.add(client);
            client.unpipe(backend);
            client.write(verdict.bytes);
            return void closeAfterFlush(client);
          }
        }
        finish(client, backend);
      };
      client.once('close', () => { closed(); finish(backend, client); });
      backend.once('close', () => { closed(); backendGone(); });
      client.on('error', () => client.destroy());
      backend.on('error', (err) => { lostBecause ??= err; backend.destroy(); });
      client.once('end', () => finish(backend, client));
      backend.once('end', backendGone);
      client.pipe(backend, { end: false });
      backend.pipe(client, { end: false });
      backend.resume();
    });
  }

  // >= 400: hand the backend's answer to the client (status, headers, a body bounded by Content-Length)
  // within the deadline, then close both. Connection: close replaces whatever the backend said, since
  // this connection will carry nothing more.
  private relayRefusal(client: Duplex, backend: Socket, answer: ParsedResponse): Promise<void> {
    const rawHeaders = answer.head.rawHeaders.filter(([k]) => k.toLowerCase() !== 'connection');
    rawHeaders.push(['Connection', 'close']);
    const length = Number(headerValue(answer.head, 'content-length') ?? NaN);
    const bounded = Number.isFinite(length) && length >= 0;
    const limit = bounded ? length : 1024 * 1024;
    return new Promise((resolve) => {
      let sent = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        backend.destroy();
        void closeAfterFlush(client).then(resolve);
      };
      const send = (chunk: Buffer) => {
        const part = chunk.subarray(0, limit - sent);
        sent += part.length;
        if (part.length) client.write(part);
        if (sent >= limit) finish();
      };
      const timer = setTimeout(finish, this.opts.refusalTimeoutMs ?? REFUSAL_TIMEOUT_MS);
      client.write(serializeResponseHead({ ...answer.head, rawHeaders }));
      if (limit === 0) return finish();
      send(answer.rest);
      if (done) return;
      backend.on('data', send);
      backend.once('end', finish);
      backend.once('error', finish);
      backend.resume();
    });
  }
}

function forwardedFor(req: IncomingMessage): string {
  const prior = req.headers['x-forwarded-for'];
  const remote = req.socket.remoteAddress ?? '';
  return prior ? `${prior}, ${remote}` : remote;
}

