// A small REST client for the API server: URLs, headers, JSON, timeouts, Status errors and the -v request log (client-go rest/client.go, rest/request.go).
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { arch, platform } from 'node:process';
import type { Logger } from './klog.ts';
import { silentLogger } from './klog.ts';
import { logBody, logRequest, logResponse } from './round-trippers.ts';
import { ConnectionError, statusErrorFromResponse } from './errors.ts';
import type { ClientConfig } from './kubeconfig.ts';

// The Accept headers kubectl sends: discovery, plain objects, and server-side Tables.
export const Accept = {
  json: 'application/json',
  jsonAny: 'application/json, */*',
  table: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
  discovery: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
} as const;

// client-go's DefaultKubernetesUserAgent shape: "<command>/<version> (<os>/<arch>) kubernetes/<commit>".
export const workbookVersion = 'v1.32.0-workbook';
export function defaultUserAgent(command = 'kubectl'): string {
  return `${command}/${workbookVersion} (${platform}/${arch === 'x64' ? 'amd64' : arch}) kubernetes/workbook`;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

// Go's url.Values.Encode: keys sorted, values in order, QueryEscape (space → "+", only -_.~ left bare).
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const esc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const v = query[key];
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [String(v)]) parts.push(`${esc(key)}=${esc(one)}`);
  }
  return parts.join('&');
}

export interface RESTClientOptions {
  server: string;                  // http(s)://host:port, no trailing slash needed
  token?: string;                  // sent as "Authorization: Bearer <token>"
  ca?: Buffer | string;            // PEM trust roots for https
  cert?: Buffer | string;          // PEM client certificate and key, presented over https (client-certificate(-data), client-key(-data))
  key?: Buffer | string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  userAgent?: string;              // default: kubectl's shape with our version
  timeoutMs?: number;              // per request, unless the request sets its own
  headers?: Record<string, string>;// sent with every request, never logged (kubectl's Kubectl-Command, Kubectl-Session)
  logger?: Logger;
}

export interface RequestOptions {
  method?: string;
  path: string;                    // absolute API path, e.g. /api/v1/namespaces/default/pods
  query?: Query;
  accept?: string;
  body?: unknown;                  // serialised as JSON
  timeoutMs?: number;
  signal?: AbortSignal;
  source?: string;                 // the file:line the -v=8 body lines name (kubectl's caller)
}

export interface RESTResponse {
  statusCode: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

export class RESTClient {
  readonly server: string;
  readonly logger: Logger;
  private readonly opts: RESTClientOptions;

  constructor(opts: RESTClientOptions) {
    const u = new URL(opts.server);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`server ${opts.server}: scheme must be http or https`);
    this.server = opts.server.replace(/\/+$/, '');
    this.logger = opts.logger ?? silentLogger;
    this.opts = opts;
  }

  // client-go's clientcmd never attaches credentials to a plain-http server (only "if we are secure"):
  // the real kubectl sends no token over http, so neither does ours when it starts from a kubeconfig.
  static fromConfig(cfg: ClientConfig, extra: Omit<RESTClientOptions, 'server'> = {}): RESTClient {
    const secure = cfg.server.startsWith('https:');
    return new RESTClient({
      server: cfg.server,
      token: secure ? cfg.token : undefined,
      ca: cfg.ca,
      cert: secure ? cfg.cert : undefined,
      key: secure ? cfg.key : undefined,
      insecureSkipTLSVerify: cfg.insecureSkipTLSVerify,
      tlsServerName: cfg.tlsServerName,
      ...extra,
    });
  }

  url(path: string, query?: Query): string {
    const q = encodeQuery(query);
    return `${this.server}${path}${q ? `?${q}` : ''}`;
  }

  // Headers that identify and authenticate us, for callers that open their own connection (the exec upgrade).
  authHeaders(): Record<string, string> {
    const h: Record<string, string> = { 'User-Agent': this.opts.userAgent ?? defaultUserAgent() };
    if (this.opts.token) h.Authorization = `Bearer ${this.opts.token}`;
    return h;
  }

  hiddenHeaders(): Record<string, string> { return { ...this.opts.headers }; }

  // TLS options for https servers; also used by the exec client.
  tlsOptions(): https.RequestOptions {
    return {
      ca: this.opts.ca,
      cert: this.opts.cert,
      key: this.opts.key,
      rejectUnauthorized: !this.opts.insecureSkipTLSVerify,
      servername: this.opts.tlsServerName,
    };
  }

  // Sends the request and resolves once the response headers are in; the caller owns the body stream.
  async open(req: RequestOptions): Promise<{ res: IncomingMessage; ms: number; url: string; method: string }> {
    const method = req.method ?? 'GET';
    const url = this.url(req.path, req.query);
    const payload = req.body === undefined ? undefined : Buffer.from(`${JSON.stringify(req.body)}\n`);
    const logged: Record<string, string> = {};
    if (req.accept) logged.Accept = req.accept;
    if (payload) logged['Content-Type'] = 'application/json';
    Object.assign(logged, this.authHeaders());
    const headers: Record<string, string> = { ...logged, ...this.opts.headers };
    if (payload) headers['Content-Length'] = String(payload.length);

    if (payload) logBody(this.logger, req.source ?? 'request.go:1351', 'Request Body', payload);
    else if (req.source) logBody(this.logger, req.source, 'Request Body', '');
    logRequest(this.logger, method, url, logged);

    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs;
    const signals = [req.signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => !!s);
    const signal = signals.length ? AbortSignal.any(signals) : undefined;
    const started = performance.now();
    const lib = url.startsWith('https:') ? https : http;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = lib.request(url, { method, headers, signal, ...(lib === https ? this.tlsOptions() : {}) }, resolve);
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError' && timeoutMs && !req.signal?.aborted) {
          reject(new ConnectionError(this.server, Object.assign(new Error(`${method} ${url}: timed out after ${timeoutMs}ms`), { code: 'ETIMEDOUT' })));
        } else reject(err.name === 'AbortError' ? err : new ConnectionError(this.server, err));
      });
      r.end(payload);
    });
    const ms = Math.round(performance.now() - started);
    logResponse(this.logger, method, url, { statusCode: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers }, ms);
    return { res, ms, url, method };
  }

  // The whole response; a non-2xx answer rejects with a StatusError carrying the server's Status.
  async do(req: RequestOptions): Promise<RESTResponse> {
    const { res, ms } = await this.open(req);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const statusCode = res.statusCode ?? 0;
    logBody(this.logger, req.source ?? 'request.go:1351', 'Response Body', body);
    if (statusCode < 200 || statusCode > 299) throw statusErrorFromResponse(statusCode, body);
    return { statusCode, statusMessage: res.statusMessage ?? '', headers: res.headers, body, ms };
  }

  async json<T>(req: RequestOptions): Promise<T> {
    const { body } = await this.do({ accept: Accept.json, ...req });
    return JSON.parse(body.toString('utf8')) as T;
  }

  get<T>(path: string, query?: Query, more: Omit<RequestOptions, 'path' | 'query' | 'method'> = {}): Promise<T> {
    return this.json<T>({ ...more, method: 'GET', path, query });
  }
  post<T>(path: string, body: unknown, query?: Query, more: Omit<RequestOptions, 'path' | 'query' | 'method' | 'body'> = {}): Promise<T> {
    return this.json<T>({ ...more, method: 'POST', path, query, body });
  }
  put<T>(path: string, body: unknown, query?: Query, more: Omit<RequestOptions, 'path' | 'query' | 'method' | 'body'> = {}): Promise<T> {
    return this.json<T>({ ...more, method: 'PUT', path, query, body });
  }
  delete<T>(path: string, body?: unknown, query?: Query, more: Omit<RequestOptions, 'path' | 'query' | 'method' | 'body'> = {}): Promise<T> {
    return this.json<T>({ ...more, method: 'DELETE', path, query, body });
  }
}
