// The bench's baseline chain: an endpoint that spawns the command, behind one raw TCP relay per hop of the chain
// it is compared with (each its own process, as each of the chain's components is). See relay-process.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./relay-process.ts', import.meta.url));

export interface RelayChain { port: number; pids: number[]; relayPids: number[]; stop(): Promise<void> }

async function startHop(args: string[]): Promise<{ child: ChildProcess; port: number; pid: number }> {
  // stdin is a pipe we hold: the hop exits when the bench does, even on a crash.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => { rl.close(); resolve(l); });
    child.once('exit', (code) => reject(new Error(`relay-process ${args.join(' ')} exited with ${code}`)));
    child.once('error', reject);
  });
  const { port, pid } = JSON.parse(line) as { port: number; pid: number };
  return { child, port, pid };
}

export async function startRelayChain(hops: number): Promise<RelayChain> {
  const started: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    })));
  };
  try {
    const end = await startHop(['endpoint']);
    started.push(end.child);
    let port = end.port;
    const relayPids: number[] = [];
    for (let i = 0; i < hops; i++) {
      const r = await startHop(['relay', String(port)]);
      started.push(r.child);
      relayPids.unshift(r.pid);
      port = r.port;
    }
    return { port, pids: [...relayPids, end.pid], relayPids, stop };
  } catch (err) { await stop(); throw err; }
}

// A connection through the chain that runs argv at its end: what the client writes is the command's stdin,
// what it reads is the command's stdout, and the socket's end is the command's exit (as a session's close).
export function rawExec(port: number, argv: string[]): Socket {
  const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  sock.write(`${JSON.stringify(argv)}\n`);
  return sock;
}
