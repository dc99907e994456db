// The remotecommand subprotocols and channel numbers (apimachinery pkg/util/remotecommand/constants.go, wsstream/conn.go).

// #region protocols
// Channel ids: the first byte of every WebSocket message (StreamStdIn ... StreamClose).
export const Channel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  error: 3,
  resize: 4,
  close: 255, // v5 only: [255, ch] half-closes channel ch (stdin EOF)
} as const;
export type ChannelId = (typeof Channel)[keyof typeof Channel];

export interface ProtocolInfo {
  name: string;
  base64: boolean;      // text frames: ASCII digit channel + standard base64 with padding
  statusJson: boolean;  // v4+: a JSON metav1.Status on channel 3, Success included
  closeSignal: boolean; // v5: the [255, ch] half-close message
}

const table: ProtocolInfo[] = [
  { name: 'v5.channel.k8s.io', base64: false, statusJson: true, closeSignal: true },
  { name: 'v4.channel.k8s.io', base64: false, statusJson: true, closeSignal: false },
  { name: 'v4.base64.channel.k8s.io', base64: true, statusJson: true, closeSignal: false },
  { name: 'channel.k8s.io', base64: false, statusJson: false, closeSignal: false },
  { name: 'base64.channel.k8s.io', base64: true, statusJson: false, closeSignal: false },
];
// #endregion protocols

export const protocols: ReadonlyMap<string, ProtocolInfo> = new Map(table.map((p) => [p.name, p]));
// A WebSocket request with no Sec-WebSocket-Protocol header speaks plain channel.k8s.io.
export const defaultProtocol: ProtocolInfo = { ...protocols.get('channel.k8s.io')!, name: '' };

export const supportedProtocolNames: readonly string[] = table.map((p) => p.name);

export function protocolInfo(name: string): ProtocolInfo | undefined {
  return name === '' ? defaultProtocol : protocols.get(name);
}

// Like golang.org/x/net/websocket's handshake: the FIRST protocol in the client's order that we
// speak wins (the server's preference does not matter); no header means "" (binary channel.k8s.io);
// an offer with nothing we speak is refused (null: the caller answers 403).
export function selectProtocol(offered: Iterable<string>, supported: readonly string[] = supportedProtocolNames): ProtocolInfo | null {
  let any = false;
  for (const raw of offered) {
    const name = raw.trim();
    if (name === '') continue;
    any = true;
    if (supported.includes(name)) return protocolInfo(name) ?? null;
  }
  return any ? null : defaultProtocol;
}

// Splits a Sec-WebSocket-Protocol header value (one comma list, or several header lines joined).
export function parseProtocolHeader(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}
