// The request log at -v=6..10, in the words and line shapes of kubectl 1.32 (client-go transport/round_trippers.go debuggingRoundTripper, rest/request.go logBody).
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from './klog.ts';
import { klogStructured } from './klog.ts';

// The file:line klog prints for each kind of line, as kubectl 1.32.4 prints them.
export const Source = {
  requestLine: 'round_trippers.go:470',
  requestHeaders: 'round_trippers.go:476',
  requestHeader: 'round_trippers.go:480',
  oneLine: 'round_trippers.go:560',
  responseStatus: 'round_trippers.go:581',
  responseHeaders: 'round_trippers.go:584',
  responseHeader: 'round_trippers.go:587',
  configLoaded: 'loader.go:402',
} as const;

// Go's http.CanonicalHeaderKey: "sec-websocket-protocol" → "Sec-Websocket-Protocol".
export function canonicalHeaderKey(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

// kubectl never prints a credential: the header keeps its scheme, the secret becomes <masked>.
function maskValue(name: string, value: string): string {
  if (name.toLowerCase() !== 'authorization') return value;
  const space = value.indexOf(' ');
  return space > 0 ? `${value.slice(0, space)} <masked>` : '<masked>';
}

// #region request-log
export function logRequest(log: Logger, method: string, url: string, headers: Record<string, string | string[]>): void {
  if (!log.enabled(7)) return;
  log.info(7, Source.requestLine, `${method} ${url}`);
  log.info(7, Source.requestHeaders, 'Request Headers:');
  for (const [name, values] of Object.entries(headers)) {
    for (const value of [values].flat()) log.info(7, Source.requestHeader, `    ${canonicalHeaderKey(name)}: ${maskValue(name, value)}`);
  }
}

export function logResponse(
  log: Logger, method: string, url: string,
  res: { statusCode: number | ''; statusMessage: string; headers: IncomingHttpHeaders }, ms: number,
): void {
  // Go's resp.Status; empty when the round trip returned an error instead of a response (a refused WebSocket).
  const status = res.statusCode === '' ? '' : `${res.statusCode} ${res.statusMessage}`;
  if (!log.enabled(7)) {
    // -v=6: one line per request, written when the response headers arrive.
    log.info(6, Source.oneLine, `${method} ${url} ${status} in ${ms} milliseconds`);
    return;
  }
  log.info(7, Source.responseStatus, `Response Status: ${status} in ${ms} milliseconds`);
  if (!log.enabled(8)) return;
  log.info(8, Source.responseHeaders, 'Response Headers:');
  for (const [name, value] of Object.entries(res.headers)) {
    // Go moves Transfer-Encoding out of the header map, so kubectl never prints it.
    if (name === 'transfer-encoding') continue;
    for (const v of Array.isArray(value) ? value : [value ?? '']) {
      log.info(8, Source.responseHeader, `    ${canonicalHeaderKey(name)}: ${v}`);
    }
  }
}
// #endregion request-log

// rest/request.go truncateBody: 1 KiB at -v=8, 10 KiB at -v=9, everything at -v=10.
export function truncateBody(body: string, verbosity: number): string {
  if (verbosity >= 10) return body;
  const max = verbosity >= 9 ? 10240 : 1024;
  if (body.length <= max) return body;
  return `${body.slice(0, max)} [truncated ${body.length - max} chars]`;
}

// Go's encoding/hex.Dump, which kubectl uses for bodies with control bytes.
export function hexDump(data: Uint8Array): string {
  let out = '';
  for (let off = 0; off < data.length; off += 16) {
    const row = data.subarray(off, off + 16);
    let hex = '';
    for (let i = 0; i < 16; i++) {
      hex += i < row.length ? `${row[i].toString(16).padStart(2, '0')} ` : '   ';
      if (i === 7) hex += ' ';
    }
    const ascii = Array.from(row, (b) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.')).join('');
    out += `${off.toString(16).padStart(8, '0')}  ${hex} |${ascii}|\n`;
  }
  return out;
}

// `"Request Body" body="..."` / `"Response Body" body=...`, logged at -v=8 from the caller's file:line.
export function logBody(log: Logger, source: string, prefix: 'Request Body' | 'Response Body', body: Uint8Array | string): void {
  if (!log.enabled(8)) return;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const text = bytes.some((b) => b < 0x0a) ? hexDump(bytes) : Buffer.from(bytes).toString('utf8');
  log.info(8, source, klogStructured(prefix, { body: truncateBody(text, log.verbosity) }));
}
