// HTTP plumbing of the API server: bodies in, JSON and Status out, content negotiation
// (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters and .../negotiation).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseYAML } from 'yaml';
import { badRequest, notAcceptable, requestEntityTooLarge, toStatus, unsupportedMediaType } from '../../api/status.ts';
import { decodeProtobufObject } from '../../api/protobuf.ts';
import { writeStatusAndClose } from '../../util/raw-response.ts';

const protobufKinds = new Set(['Namespace']);

// The real server's limit on request bodies (3 MiB, apiserver MaxRequestBodyBytes).
export const maxBodyBytes = 3 * 1024 * 1024;

// The request log's view of a URL: path and query, but an exec's command only as a count of words.
// A command line can carry secrets (sh -c 'curl -H "Authorization: Bearer …"'), and logs travel further
// than the requests that wrote them.
export function loggedURL(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  if (q < 0) return raw;
  const params = new URLSearchParams(raw.slice(q + 1));
  const words = params.getAll('command').length;
  if (words === 0) return raw;
  params.delete('command');
  const rest = params.toString();
  return `${raw.slice(0, q)}${rest ? `?${rest}` : ''} [${words} command word${words === 1 ? '' : 's'}]`;
}

export function writeJSON(res: ServerResponse, code: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

export function writeStatus(res: ServerResponse, err: unknown): void {
  const status = toStatus(err);
  if (res.headersSent) { res.destroy(); return; }
  writeJSON(res, status.code ?? 500, status);
}

// An upgrade request arrives as a raw socket: an error is written as a whole HTTP response by hand,
// then the socket is closed politely, so the client reads a Status, not a reset.
export function writeStatusToSocket(socket: Duplex, err: unknown): void {
  void writeStatusAndClose(socket, toStatus(err));
}

export async function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw requestEntityTooLarge(`limit is ${limit}`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

// Decodes a JSON or YAML body into an object that must be of `kind` (the codec's "unrecognized" check). `protobuf`:
// a resource's own reader of kubectl's protobuf bodies (RBAC's, chapter 9), where metadata alone is not enough.
export async function decodeBody(req: IncomingMessage, kind: string, apiVersion = 'v1', protobuf?: (body: Uint8Array) => unknown): Promise<Record<string, unknown>> {
  const type = mediaType(req);
  const raw = await readBody(req);
  let obj: unknown;
  try {
    if (type === 'application/json' || type === '') obj = JSON.parse(raw.toString('utf8'));
    else if (type === 'application/yaml') obj = parseYAML(raw.toString('utf8'));
    // Only objects whose metadata is all we keep (Namespace) are read from protobuf; kubectl sends JSON for the rest.
    else if (type === 'application/vnd.kubernetes.protobuf' && protobuf) obj = protobuf(raw);
    else if (type === 'application/vnd.kubernetes.protobuf' && protobufKinds.has(kind)) obj = decodeProtobufObject(raw);
    else throw unsupportedMediaType(type);
  } catch (err) {
    if (err instanceof Error && err.name === 'StatusError') throw err;
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: expected an object`);
  }
  const o = obj as Record<string, unknown>;
  if ((o.kind !== undefined && o.kind !== kind) || (o.apiVersion !== undefined && o.apiVersion !== apiVersion)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): no kind "${String(o.kind)}" is registered for version "${String(o.apiVersion)}"`);
  }
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata))) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): metadata must be an object`);
  }
  o.metadata ??= {};
  return o;
}

// #region negotiate
// What the client's Accept header asks for: a meta.k8s.io Table, or the object itself as JSON.
export function negotiate(accept: string | undefined): 'table' | 'json' {
  if (!accept) return 'json';
  for (const clause of accept.split(',')) {
    const [type, ...params] = clause.split(';').map((s) => s.trim().toLowerCase());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim())));
    if (!['application/json', 'application/*', '*/*'].includes(type)) continue;
    if (p.as === 'table' && (p.g ?? 'meta.k8s.io') === 'meta.k8s.io') return 'table';
    if (p.as === undefined) return 'json';
  }
  throw notAcceptable();
}
// #endregion negotiate

// Query booleans as the API decodes them (Convert_Slice_string_To_bool): false only when absent, "0" or "false".
export function queryBool(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  const l = v.toLowerCase();
  return l !== '0' && l !== 'false';
}
