// The engine's HTTP plumbing (moby api/server/server.go and httputils): what a route handler gets, how its answer or
// its error is written, and the headers every response carries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { API_VERSION } from './api-version.ts';
import { EngineError, invalidParameter, statusOf } from './errors.ts';

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  version: string;               // the API version of the path (the current one for a bare path)
}

// A plain route answers with a value (written as JSON) or writes `res` itself and returns undefined.
export type PlainHandler = (ctx: RequestContext, res: ServerResponse) => Promise<unknown>;
// A hijacking route owns the connection: `upgrade` says whether the client asked for it ("Upgrade: tcp").
// The server has read the request body already; `rest` is what the client sent after it (the first stdin bytes).
// An error thrown before the handler writes to the socket is answered as any route's error.
export interface HijackConn { socket: Duplex; body: Buffer; rest: Buffer; upgrade: boolean; wrote: boolean }
export type HijackHandler = (ctx: RequestContext, conn: HijackConn) => Promise<void>;
export type Handler = { plain: PlainHandler } | { hijack: HijackHandler };

export function commonHeaders(): Record<string, string> {
  return { 'Api-Version': API_VERSION, 'Docker-Experimental': 'false', 'Ostype': 'linux', 'Server': `Docker/${ENGINE_VERSION} (linux)` };
}
export const ENGINE_VERSION = '27.5.1-workbook';

export function writeJSON(res: ServerResponse, code: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value) + '\n');
  res.writeHead(code, { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

// httpstatus.FromError + WriteError: {"message": ...} with the error's code; a 304 has no body.
export function writeError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) { res.destroy(); return; }
  const code = statusOf(err);
  if (code === 304) { res.writeHead(304, commonHeaders()); res.end(); return; }
  writeJSON(res, code, { message: err instanceof Error ? err.message : String(err) });
}

// The same error on a connection the route was about to hijack (nothing written yet).
export function writeErrorOnSocket(socket: Duplex, err: unknown): void {
  const code = statusOf(err);
  const body = code === 304 ? '' : JSON.stringify({ message: err instanceof Error ? err.message : String(err) }) + '\n';
  const reason = { 304: 'Not Modified', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 501: 'Not Implemented' }[code] ?? 'Error';
  const headers = Object.entries(commonHeaders()).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${code} ${reason}\r\n${headers}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    n += (chunk as Buffer).length;
    if (n > limit) throw invalidParameter('request body too large');
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

// A JSON request body; an empty one is {} (docker start, docker kill send none).
export function parseJSONBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  try {
    const v = JSON.parse(raw.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* below */ }
  throw invalidParameter('invalid JSON: the request body must be a JSON object');
}

// httputils.BoolValue: "", "0", "no", "false", "none" are false, anything else true.
export function boolValue(url: URL, key: string): boolean {
  const v = url.searchParams.get(key);
  return v !== null && !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

export function intValue(url: URL, key: string): number | undefined {
  const v = url.searchParams.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidParameter(`invalid value for ${key}: ${v}`);
  return n;
}

export { EngineError };
