// Single-use tokens for streaming requests: the runtime caches an Exec/Attach/PortForward request and
// hands out a URL that names it (kubelet pkg/cri/streaming/request_cache.go requestCache).
import { randomBytes } from 'node:crypto';
import { resourceExhausted } from '../cri/grpc-status.ts';
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../cri/proto.ts';

export type CachedRequest =
  | { kind: 'exec'; req: ExecRequest }
  | { kind: 'attach'; req: AttachRequest }
  | { kind: 'portforward'; req: PortForwardRequest };

export interface RequestCacheOptions {
  clock?: () => number;      // milliseconds; injectable so tests can move time
  ttlMs?: number;
  maxInFlight?: number;
  tokenBytes?: number;
}

export const CACHE_TTL_MS = 60_000;
export const MAX_IN_FLIGHT = 1000;
// The real cache uses 6 random bytes (8 characters). A token is the only credential a streaming URL
// carries, so we take 16 (128 bits): guessing one within its minute is hopeless.
export const TOKEN_BYTES = 16;
export const TOO_MANY_MESSAGE = 'maximum number of in-flight requests exceeded';

// #region request-cache
export class RequestCache {
  // A Map iterates in insertion order, and every entry has the same TTL, so the oldest entry
  // is always first: garbage collection stops at the first one still alive.
  private readonly entries = new Map<string, { request: CachedRequest; expiresAt: number }>();
  private readonly clock: () => number;
  private readonly ttlMs: number;
  private readonly maxInFlight: number;
  private readonly tokenBytes: number;

  constructor(opts: RequestCacheOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.ttlMs = opts.ttlMs ?? CACHE_TTL_MS;
    this.maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
    this.tokenBytes = Math.max(16, opts.tokenBytes ?? TOKEN_BYTES);
  }

  // Stores the request and returns its token; a full cache is RESOURCE_EXHAUSTED, which the kubelet
  // turns into 429 Too Many Requests.
  insert(request: CachedRequest): string {
    this.gc();
    if (this.entries.size >= this.maxInFlight) throw resourceExhausted(TOO_MANY_MESSAGE);
    const token = this.uniqueToken();
    this.entries.set(token, { request, expiresAt: this.clock() + this.ttlMs });
    return token;
  }

  // The first lookup removes the token, found or expired: a URL works once, within its TTL.
  consume(token: string): CachedRequest | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    return this.clock() > entry.expiresAt ? undefined : entry.request;
  }

  get size(): number { return this.entries.size; }

  private gc(): void {
    const now = this.clock();
    for (const [token, entry] of this.entries) {
      if (now <= entry.expiresAt) break;
      this.entries.delete(token);
    }
  }

  private uniqueToken(): string {
    for (let i = 0; i < 10; i++) {
      const token = randomBytes(this.tokenBytes).toString('base64url');
      if (!this.entries.has(token)) return token;
    }
    throw new Error('failed to generate a unique token');
  }
}
// #endregion request-cache

// Logs name a token by its first characters only: the whole token is a credential.
export const tokenPrefix = (token: string) => `${token.slice(0, 4)}…`;
