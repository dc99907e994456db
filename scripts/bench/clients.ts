// The bench's two clients, doing the same thing with the same bytes: a v5 exec session through a checkpoint
// (src/remotecommand/websocket-client.ts, what our kubectl speaks) and a raw connection through the relay chain.
import { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { streamExec } from '../../src/remotecommand/websocket-client.ts';
import { rawExec } from './relay.ts';

export const CHUNK = 64 * 1024;

// `bytes` of zeros in 64 KiB chunks, the way a file piped into kubectl arrives.
export function zeros(bytes: number): Readable {
  const chunk = Buffer.alloc(CHUNK);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, CHUNK);
      left -= n;
      this.push(n === CHUNK ? chunk : chunk.subarray(0, n));
    },
  });
}

export interface Counter { stream: Writable; bytes(): number; text(): string }
// Counts what arrives (and keeps the first KiB, to read a command's short answer).
export function counter(onFirst?: () => void): Counter {
  let bytes = 0;
  let head = '';
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      if (bytes === 0) onFirst?.();
      bytes += c.length;
      if (head.length < 1024) head += c.toString();
      cb();
    },
  });
  return { stream, bytes: () => bytes, text: () => head };
}

// An exec target: builds the exec URL for a command in the bench's pod.
export interface Target { execURL(command: string[], stdin: boolean): string }

export function podTarget(apiserver: string, pod: string, container: string): Target {
  return {
    execURL(command, stdin) {
      const q = new URLSearchParams([...command.map((c) => ['command', c]), ['container', container], ['stdout', 'true'], ['stderr', 'true']]);
      if (stdin) q.append('stdin', 'true');
      return `${apiserver}/api/v1/namespaces/default/pods/${pod}/exec?${q}`;
    },
  };
}

export interface Side {
  // Runs argv with `stdin` (or none), resolves with what it wrote on stdout once the session is over.
  run(argv: string[], o: { stdin?: Readable; stdout: Writable }): Promise<void>;
}

export function execSide(t: Target): Side {
  return {
    async run(argv, o) {
      const status = await streamExec(t.execURL(argv, !!o.stdin), { tty: false, stdin: o.stdin, stdout: o.stdout, stderr: o.stdout });
      if (status.status !== 'Success') throw new Error(`exec ${argv.join(' ')}: ${status.message}`);
    },
  };
}

export function rawSide(port: number): Side {
  return {
    run(argv, o) {
      return new Promise((resolve, reject) => {
        const sock: Socket = rawExec(port, argv);
        sock.on('error', reject);
        if (o.stdin) o.stdin.pipe(sock); else sock.end();
        sock.pipe(o.stdout);
        sock.on('close', (hadError) => (hadError ? reject(new Error('raw connection failed')) : o.stdout.write(Buffer.alloc(0), () => resolve())));
      });
    },
  };
}

// Seconds for one run; throws if the bytes did not all arrive.
export async function timeStdout(side: Side, bytes: number): Promise<number> {
  const out = counter();
  const t0 = performance.now();
  await side.run(['head', '-c', String(bytes), '/dev/zero'], { stdout: out.stream });
  const s = (performance.now() - t0) / 1000;
  if (out.bytes() !== bytes) throw new Error(`stdout: ${out.bytes()} bytes of ${bytes} arrived`);
  return s;
}

export async function timeStdin(side: Side, bytes: number): Promise<number> {
  const out = counter();
  const t0 = performance.now();
  await side.run(['wc', '-c'], { stdin: zeros(bytes), stdout: out.stream });
  const s = (performance.now() - t0) / 1000;
  if (Number(out.text().trim()) !== bytes) throw new Error(`stdin: the command counted ${out.text().trim() || 'nothing'} of ${bytes} bytes`);
  return s;
}
