// A recording proxy for one command: `node --import tsx scripts/spdy-tap.ts -- kubectl.1.29 exec nginx -- date` runs the
// command with --server pointed at a loopback proxy in front of the API server (from $KUBECONFIG, or --upstream=URL;
// with --env-only the command gets the proxy's URL in SPDY_TAP_URL instead of a --server flag),
// prints each upgrade (--all: every request, discovery included) and every SPDY frame both ways as it passes
// (src/spdy/tap.ts), and exits with the
// command's exit code once it and its connections are done. Plain http only: the tap reads the bytes it relays.
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { loadClientConfig } from '../src/client/kubeconfig.ts';
import { SpdyTap } from '../src/spdy/tap.ts';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const command = dash < 0 ? [] : argv.slice(dash + 1);
const upstreamFlag = own.find((a) => a.startsWith('--upstream='))?.slice('--upstream='.length);
const envOnly = own.includes('--env-only');
const all = own.includes('--all');
if (command.length === 0 || own.some((a) => !a.startsWith('--upstream=') && a !== '--env-only' && a !== '--all')) {
  console.error('usage: spdy-tap.ts [--upstream=http://host:port] [--env-only] [--all] -- <kubectl> <args...>');
  process.exit(2);
}
const upstream = new URL(upstreamFlag ?? loadClientConfig().server);
if (upstream.protocol !== 'http:') {
  console.error(`spdy-tap: ${upstream.origin}: only http:// can be tapped (the bytes of TLS are not readable)`);
  process.exit(2);
}

let numbered = 0;
const open = new Set<Socket>();
const server = createServer((client) => {
  let n: number | undefined; // numbered when first shown
  open.add(client);
  const backend = connect(Number(upstream.port || 80), upstream.hostname);
  const toServer = new SpdyTap();
  const toClient = new SpdyTap();
  // Plain requests (kubectl's discovery, the GET of the pod) only with --all: the request asks for an upgrade before its
  // answer comes, so a connection that upgrades is known by then.
  const print = (arrow: string, lines: string[]) => {
    if (!all && !toServer.upgrade && !toClient.upgrade) return;
    if (lines.length > 0) n ??= ++numbered;
    for (const l of lines) console.log(`[conn ${n}] ${arrow} ${l}`);
  };
  // Relay first, then describe: the tap never holds bytes back or changes them, and a slow side slows the other.
  const relay = (from: Socket, to: Socket, tap: SpdyTap, arrow: string) => from.on('data', (c: Buffer) => {
    if (!to.write(c)) { from.pause(); to.once('drain', () => from.resume()); }
    print(arrow, tap.push(c));
  });
  relay(client, backend, toServer, '→');
  relay(backend, client, toClient, '←');
  client.on('end', () => backend.end());
  backend.on('end', () => client.end());
  let over = false;
  const gone = (err?: Error) => {
    if (err) print('!', [err.message]);
    if (over) return;
    over = true;
    client.destroy();
    backend.destroy();
    toServer.close();
    toClient.close();
    open.delete(client);
  };
  client.on('error', gone);
  backend.on('error', gone);
  client.on('close', () => gone());
  backend.on('close', () => gone());
});
server.on('error', (err) => { console.error(`spdy-tap: ${err.message}`); process.exit(1); });
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  const [file, ...args] = command;
  // --server overrides the kubeconfig's cluster; everything else (context, namespace) stays the reader's.
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(file!, envOnly ? args : [`--server=${url}`, ...args], { stdio: 'inherit', env: { ...process.env, SPDY_TAP_URL: url } });
  child.on('error', (err) => { console.error(`spdy-tap: ${file}: ${err.message}`); process.exit(127); });
  child.on('close', (code, signal) => {
    server.close();
    // The command is done; a connection it left is closed so its last frames (GOAWAY, FIN) are printed first.
    for (const s of open) s.end();
    const exit = () => process.exit(code ?? (signal ? 128 : 1));
    if (open.size === 0) exit();
    else { setTimeout(() => { for (const s of open) s.destroy(); exit(); }, 2000).unref(); server.on('close', exit); }
  });
});
