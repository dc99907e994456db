// One hop of the bench's baseline, as its own process: a raw TCP relay (`relay <port>`) or the end of the chain
// (`endpoint`), which reads one line of JSON argv, spawns it and pipes the socket to its stdin and from its stdout.
// No Kubernetes counterpart: it is what the chain's hops would cost if they only moved bytes.
import { createServer, connect, type Socket } from 'node:net';
import { spawn } from 'node:child_process';

const [role, target] = process.argv.slice(2);

function relay(port: number) {
  return createServer({ allowHalfOpen: true }, (down: Socket) => {
    const up = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const drop = () => { down.destroy(); up.destroy(); };
    down.on('error', drop);
    up.on('error', drop);
    // pipe() carries backpressure and a half-close (end) each way, as the chain's proxies do.
    down.pipe(up);
    up.pipe(down);
  });
}

function endpoint() {
  return createServer({ allowHalfOpen: true }, (sock: Socket) => {
    sock.on('error', () => sock.destroy());
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) return;
      sock.removeListener('data', onHead);
      sock.pause();
      const argv = JSON.parse(head.subarray(0, nl).toString()) as string[];
      const rest = head.subarray(nl + 1);
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
      child.on('error', () => sock.destroy());
      child.stdin.on('error', () => {});
      child.stdout.on('error', () => sock.destroy());
      if (rest.length) child.stdin.write(rest);
      sock.pipe(child.stdin);
      child.stdout.pipe(sock);
      sock.on('close', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
    };
    sock.on('data', onHead);
  });
}

const server = role === 'relay' ? relay(Number(target)) : role === 'endpoint' ? endpoint() : undefined;
if (!server) { console.error('usage: relay-process.ts relay <port> | endpoint'); process.exit(2); }
server.maxConnections = 100_000;
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const addr = server.address();
  console.log(JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0, pid: process.pid }));
});
// Our parent (the bench) owns us: when it goes, we go.
process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
process.on('SIGTERM', () => process.exit(0));
