// A tiny exec client that prints every WebSocket message in hex, channel by channel: the chapter's microscope (ours; kubectl -v=9 shows headers, never frames).
// Usage: node --import tsx src/remotecommand/print-frames.ts [--stdin=TEXT] [--protocol=P] POD -- COMMAND [ARGS...]
// The API server's URL is read from $KUBECONFIG (its first cluster), the namespace is "default".
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { parse } from 'yaml';
import { Channel, protocolInfo } from './protocols.ts';
import { decodeMessage, encodeCloseSignal, encodeMessage } from './codec.ts';

const names: Record<number, string> = { 0: 'stdin', 1: 'stdout', 2: 'stderr', 3: 'error', 4: 'resize', 255: 'close' };

// "01 68 69 0a   stdout "hi\n"": the bytes as sent (the first 12), then what they mean.
function show(arrow: string, bytes: Uint8Array | string, meaning: string): void {
  const raw = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  const hex = [...raw.subarray(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + (raw.length > 12 ? ' …' : '');
  console.log(`${arrow} ${hex.padEnd(38)} ${meaning}`);
}

const args = process.argv.slice(2);
const dash = args.indexOf('--');
if (dash < 1 || dash === args.length - 1) {
  console.error('usage: print-frames.ts [--stdin=TEXT] [--protocol=P] POD -- COMMAND [ARGS...]');
  process.exit(2);
}
const flags = args.slice(0, dash);
const cmd = args.slice(dash + 1);
const pod = flags.filter((f) => !f.startsWith('--')).at(-1)!;
const stdinText = flags.find((f) => f.startsWith('--stdin='))?.slice('--stdin='.length);
const protocolName = flags.find((f) => f.startsWith('--protocol='))?.slice('--protocol='.length) ?? 'v5.channel.k8s.io';
const kubeconfig = parse(readFileSync(process.env.KUBECONFIG ?? `${process.env.HOME}/.kube/config`, 'utf8'));
const server = new URL(kubeconfig.clusters[0].cluster.server as string);

const query = new URLSearchParams();
for (const c of cmd) query.append('command', c);
query.set('stderr', 'true');
if (stdinText !== undefined) query.set('stdin', 'true');
query.set('stdout', 'true');
const path = `/api/v1/namespaces/default/pods/${pod}/exec?${query}`;
console.log(`→ GET ${path}`);
console.log(`  Sec-WebSocket-Protocol: ${protocolName}`);

const protocol = protocolInfo(protocolName);
if (!protocol) { console.error(`unknown protocol ${protocolName}`); process.exit(2); }
const ws = new WebSocket(`ws://${server.host}${path}`, [protocolName], { perMessageDeflate: false });
const text = (b: Uint8Array) => JSON.stringify(Buffer.from(b).toString('utf8'));
ws.on('unexpected-response', (_req, res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => { console.log(`← ${res.statusCode} ${res.statusMessage}\n  ${body}`); process.exit(1); });
});
ws.on('upgrade', (res) => console.log(`← ${res.statusCode} ${res.statusMessage}, Sec-WebSocket-Protocol: ${res.headers['sec-websocket-protocol']}`));
ws.on('open', () => {
  if (stdinText === undefined) return;
  const data = encodeMessage(protocol, Channel.stdin, Buffer.from(stdinText));
  ws.send(data, { binary: !protocol.base64 });
  show('→', data, `stdin ${text(Buffer.from(stdinText))}`);
  if (protocol.closeSignal) {
    ws.send(encodeCloseSignal(Channel.stdin));
    show('→', encodeCloseSignal(Channel.stdin), 'close stdin (EOF)');
  }
});
ws.on('message', (data: Buffer, isBinary: boolean) => {
  const m = decodeMessage(protocol, isBinary ? data : data.toString('latin1'), isBinary);
  show('←', isBinary ? data : data.toString('latin1'), m.kind === 'close' ? `close ${m.channel}` : m.channel === Channel.error ? `error ${Buffer.from(m.data).toString()}` : `${names[m.channel] ?? `channel ${m.channel}`} ${text(m.data)}`);
});
ws.on('close', (code) => console.log(`← close ${code}`));
ws.on('error', (err) => { console.error(err.message); process.exit(1); });
