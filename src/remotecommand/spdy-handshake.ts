// The SPDY upgrade's two checks and its answers, pure: X-Stream-Protocol-Version negotiation, then the Connection/Upgrade
// headers, then the 101 (apimachinery/streaming httpstream.Handshake, httpstream/spdy upgrade.go responseUpgrader.UpgradeResponse).
import { STATUS_CODES } from 'node:http';

export const HEADER_PROTOCOL_VERSION = 'X-Stream-Protocol-Version';
export const HEADER_ACCEPTED_PROTOCOL_VERSIONS = 'X-Accepted-Stream-Protocol-Versions';
export const HEADER_SPDY31 = 'SPDY/3.1';

// #region spdy-protocols
// What a SPDY exec server speaks (remotecommand SupportedStreamingProtocols, the streaming library's DefaultConfig):
// no v5 here. v5 exists for the WebSocket's CLOSE signal; over SPDY a half-close is a FIN on the stdin stream.
export const SPDY_PROTOCOLS: readonly string[] = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
// #endregion spdy-protocols

// The request as the handshake reads it: Node's rawHeaders keep each header line apart, as Go's Header keeps
// each value of a repeated header (client-go sends one X-Stream-Protocol-Version line per protocol).
export interface HandshakeRequest { rawHeaders: readonly string[] }

export type HandshakeResult =
  | { ok: true; protocol: string; response: Buffer }                       // the 101, to write before any SPDY frame
  | { ok: false; code: number; message: string; response: Buffer };        // a refusal, to write and close

// Go's textproto.CanonicalMIMEHeaderKey: "x-stream-protocol-version" → "X-Stream-Protocol-Version".
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name; // Go leaves a key with other bytes as it is
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

// req.Header as Go's server fills it: values per canonical key in arrival order, without Host (Go moves it to req.Host).
export function goHeader(rawHeaders: readonly string[]): Map<string, string[]> {
  const header = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = canonicalHeaderKey(rawHeaders[i]!);
    if (key === 'Host') continue;
    const values = header.get(key) ?? [];
    values.push(rawHeaders[i + 1]!);
    header.set(key, values);
  }
  return header;
}

// fmt's %#v of an http.Header, as UpgradeResponse puts it in its refusal: keys sorted, Go-quoted strings.
export function goHeaderRepr(header: Map<string, string[]>): string {
  const q = (s: string) => JSON.stringify(s);
  const entries = [...header.keys()].sort().map((k) => `${q(k)}:[]string{${header.get(k)!.map(q).join(', ')}}`);
  return `http.Header{${entries.join(', ')}}`;
}

// fmt's %v of a []string: "[a b c]".
const goList = (values: readonly string[]) => `[${values.join(' ')}]`;

// #region handshake
// httpstream.Handshake: the FIRST protocol in the client's order that the server speaks (one header line per
// protocol, comma lists split too). No header, or nothing usable in it: 400. No overlap: 403, and the server's
// list in one X-Accepted-Stream-Protocol-Versions line each. The words are the streaming staging copy's.
// Then UpgradeResponse: Connection must contain "upgrade" and Upgrade "spdy/3.1" (first values, any case), else 400.
export function spdyHandshake(req: HandshakeRequest, serverProtocols: readonly string[] = SPDY_PROTOCOLS): HandshakeResult {
  const header = goHeader(req.rawHeaders);
  const values = header.get(HEADER_PROTOCOL_VERSION);
  if (!values) {
    return refuse(400, `unable to upgrade: header ${HEADER_PROTOCOL_VERSION} does not exist in request with ${header.size} headers`);
  }
  const clientProtocols = values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (clientProtocols.length === 0) {
    return refuse(400, `unable to upgrade: header ${HEADER_PROTOCOL_VERSION} contains ${goList(values)}, but no valid protocols`);
  }
  const protocol = clientProtocols.find((p) => serverProtocols.includes(p));
  if (!protocol) {
    return refuse(403, `unable to upgrade: unable to negotiate protocol: client supports ${goList(clientProtocols)}, server accepts ${goList(serverProtocols)}`,
      serverProtocols.map((p) => [HEADER_ACCEPTED_PROTOCOL_VERSIONS, p]));
  }
  // Handshake has already set the chosen version on the response: a refusal from here on carries it too.
  const chosen: [string, string][] = [[HEADER_PROTOCOL_VERSION, protocol]];
  const connection = (header.get('Connection')?.[0] ?? '').toLowerCase();
  const upgrade = (header.get('Upgrade')?.[0] ?? '').toLowerCase();
  if (!connection.includes('upgrade') || !upgrade.includes(HEADER_SPDY31.toLowerCase())) {
    return refuse(400, `unable to upgrade: missing upgrade headers in request: ${goHeaderRepr(header)}`, chosen);
  }
  const response = Buffer.from('HTTP/1.1 101 Switching Protocols\r\n' +
    `Connection: Upgrade\r\nUpgrade: ${HEADER_SPDY31}\r\n${HEADER_PROTOCOL_VERSION}: ${protocol}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n\r\n`, 'latin1');
  return { ok: true, protocol, response };
}
// #endregion handshake

// http.Error: plain text, nosniff, the message and a newline.
function refuse(code: number, message: string, headers: [string, string][] = []): HandshakeResult {
  const body = Buffer.from(`${message}\n`);
  const head = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}\r\n`).join('') +
    'X-Content-Type-Options: nosniff\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  return { ok: false, code, message, response: Buffer.concat([Buffer.from(head, 'latin1'), body]) };
}
