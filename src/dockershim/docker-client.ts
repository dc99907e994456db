// A Docker Engine API client over the engine's unix socket, as cri-dockerd uses moby's client
// (cri-dockerd libdocker/kube_docker_client.go over moby client/{client,ping,hijack}.go).
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

// cri-dockerd builds against a moby client whose newest API is 1.46, and refuses an engine older than 1.42.
export const MAX_API_VERSION = '1.46';
export const MIN_API_VERSION = '1.42';
// libdocker's defaultTimeout (2 min) less a second, so that the kubelet's own 2 min deadline fires second.
export const SHORT_CALL_TIMEOUT_MS = 2 * 60_000 - 1000;

// An error answer from the engine: its status code and its own message ({"message": ...}). The text is the moby
// client's, "Error response from daemon: <message>", which is what cri-dockerd passes on.
export class DockerError extends Error {
  constructor(readonly statusCode: number, readonly engineMessage: string) {
    super(`Error response from daemon: ${engineMessage}`);
    this.name = 'DockerError';
  }
}

// libdocker.IsContainerNotFoundError and IsImageNotFoundError read the text; a 404 says the same.
export const isNotFound = (err: unknown): boolean => err instanceof DockerError && err.statusCode === 404;

export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

// A hijacked connection: after the engine's `101 UPGRADED` the socket is the process's stdin one way and its
// output the other (raw with a tty, else multiplexed). CloseWrite is `socket.end()`: a FIN the engine reads as stdin EOF.
export interface HijackedResponse { socket: Socket; head: Buffer; contentType: string }

type Query = Record<string, string | number | boolean | undefined>;
interface RequestOptions { query?: Query; body?: unknown; timeoutMs?: number | null }

export class DockerClient {
  readonly socketPath: string;
  private version?: string;

  // endpoint: unix:///path/to/docker.sock (cri-dockerd's --docker-endpoint), or a plain path.
  constructor(readonly endpoint: string, private readonly opts: { timeoutMs?: number } = {}) {
    this.socketPath = endpoint.replace(/^unix:\/\//, '');
    if (!this.socketPath.startsWith('/')) throw new Error(`docker endpoint "${endpoint}": only unix:///absolute/path is supported`);
  }

  get apiVersion(): string | undefined { return this.version; }

  // NegotiateAPIVersion: HEAD /_ping, then the lower of ours and the engine's Api-Version. An engine older
  // than cri-dockerd's minimum is refused here, before any call it may not understand.
  async negotiate(): Promise<string> {
    const res = await this.send('HEAD', '/_ping', { timeoutMs: this.opts.timeoutMs ?? SHORT_CALL_TIMEOUT_MS }, false);
    res.resume();
    const engine = String(res.headers['api-version'] ?? '');
    if (!/^\d+\.\d+$/.test(engine)) throw new Error(`the engine at ${this.endpoint} sent no Api-Version in its /_ping answer`);
    if (compareVersions(engine, MIN_API_VERSION) < 0) {
      throw new Error(`the engine at ${this.endpoint} speaks Docker API ${engine}; the minimum supported Docker API version is ${MIN_API_VERSION}`);
    }
    this.version = compareVersions(engine, MAX_API_VERSION) < 0 ? engine : MAX_API_VERSION;
    return this.version;
  }

  // A plain call: JSON in, JSON (or nothing) out, within the short-call timeout.
  async call<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, { ...opts, timeoutMs: opts.timeoutMs === undefined ? this.opts.timeoutMs ?? SHORT_CALL_TIMEOUT_MS : opts.timeoutMs });
    const body = await readBody(res);
    if (res.statusCode === 204 || body.length === 0) return undefined as T;
    return (String(res.headers['content-type'] ?? '').includes('json') ? JSON.parse(body.toString()) : body.toString()) as T;
  }

  // A call whose answer is a stream of JSON messages (POST /images/create): read to the end, and fail on the
  // first {"error": ...} in it, as jsonmessage.DisplayJSONMessagesStream does.
  async callStream(method: string, path: string, opts: RequestOptions = {}): Promise<unknown[]> {
    const res = await this.send(method, path, { ...opts, timeoutMs: opts.timeoutMs ?? null });
    const messages = (await readBody(res)).toString().split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { error?: string; errorDetail?: { message?: string } });
    const failed = messages.find((m) => m.error || m.errorDetail?.message);
    if (failed) throw new DockerError(500, failed.errorDetail?.message ?? failed.error ?? 'unknown error');
    return messages;
  }

  // POST with `Connection: Upgrade` and `Upgrade: tcp`: the engine answers `101 UPGRADED` and the connection
  // stops being HTTP (moby client/hijack.go postHijacked). No timeout: an exec runs as long as it runs.
  hijack(path: string, body: unknown): Promise<HijackedResponse> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body));
      const req = request({
        socketPath: this.socketPath, method: 'POST', path: this.versioned(path),
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length, Connection: 'Upgrade', Upgrade: 'tcp' },
      });
      req.on('upgrade', (res, socket, head) => {
        socket.setNoDelay?.(true);
        resolve({ socket, head, contentType: String(res.headers['content-type'] ?? '') });
      });
      req.on('response', (res) => {
        readBody(res).then((b) => reject(this.errorFrom(res.statusCode ?? 0, b)), reject);
      });
      req.on('error', (err) => reject(this.connectError(err)));
      req.end(payload);
    });
  }

  private versioned(path: string): string {
    return this.version ? `/v${this.version}${path}` : path;
  }

  private send(method: string, path: string, opts: RequestOptions, check = true): Promise<IncomingMessage> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const full = this.versioned(path) + (qs.size ? `?${qs}` : '');
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath, method, path: full,
        headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
      });
      let timer: NodeJS.Timeout | undefined;
      if (opts.timeoutMs) {
        // libdocker wraps a context that ran out as operationTimeout.
        timer = setTimeout(() => req.destroy(new Error(`operation timeout: context deadline exceeded (${method} ${path})`)), opts.timeoutMs);
      }
      req.on('response', (res) => {
        clearTimeout(timer);
        const code = res.statusCode ?? 0;
        if (!check || code < 400) return resolve(res);
        readBody(res).then((b) => reject(this.errorFrom(code, b)), reject);
      });
      req.on('error', (err) => { clearTimeout(timer); reject(this.connectError(err)); });
      req.end(payload);
    });
  }

  private errorFrom(code: number, body: Buffer): Error {
    let message = body.toString().trim();
    try { message = (JSON.parse(message) as { message?: string }).message ?? message; } catch { /* plain text */ }
    if (code < 400) return new Error(`the engine at ${this.endpoint} did not upgrade the connection (status ${code})`);
    return new DockerError(code, message || `status ${code}`);
  }

  // moby's client error for an engine that is not there.
  private connectError(err: Error & { code?: string }): Error {
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
      return new Error(`Cannot connect to the Docker daemon at ${this.endpoint}. Is the docker daemon running?`);
    }
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return new Error(`error during connect to ${this.endpoint}: ${err.message}`);
    return err;
  }
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
