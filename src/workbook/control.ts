// The supervisor's control socket, <state>/supervisor.sock: one JSON line in, one JSON line out, so that
// `npm run component -- stop kubelet-node-1` can stop and start one component of a running checkpoint (as
// `systemctl stop kubelet` does on a real node).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type ControlRequest =
  | { op: 'list' }
  | { op: 'stop'; name: string; signal?: string }
  | { op: 'start'; name: string }
  | { op: 'restart'; name: string };

export interface ComponentState {
  name: string;
  state: 'running' | 'starting' | 'stopped' | 'restarting';
  pid?: number;
  restarts: number;
}

export interface ControlResponse { ok: boolean; message: string; components?: ComponentState[] }

export interface ControlHandlers {
  list(): ComponentState[];
  stop(name: string, signal?: NodeJS.Signals): Promise<string>;
  start(name: string): Promise<string>;
}

export const controlSocketPath = (stateDir: string): string => join(stateDir, 'supervisor.sock');

// "KILL", "sigkill", "SIGKILL" → SIGKILL; anything else is refused rather than guessed.
export function parseSignal(text: string | undefined): NodeJS.Signals | undefined {
  if (!text) return undefined;
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as NodeJS.Signals;
  if (!['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGQUIT', 'SIGHUP'].includes(name)) throw new Error(`unsupported signal "${text}": use SIGTERM, SIGKILL, SIGINT, SIGQUIT or SIGHUP`);
  return name;
}

async function handle(req: ControlRequest, h: ControlHandlers): Promise<ControlResponse> {
  switch (req.op) {
    case 'list': return { ok: true, message: '', components: h.list() };
    case 'stop': return { ok: true, message: await h.stop(req.name, parseSignal(req.signal)) };
    case 'start': return { ok: true, message: await h.start(req.name) };
    case 'restart': {
      await h.stop(req.name);
      return { ok: true, message: await h.start(req.name) };
    }
    default: throw new Error(`unknown operation ${JSON.stringify((req as { op?: unknown }).op)}: use list, stop, start or restart`);
  }
}

export async function serveControl(socketPath: string, h: ControlHandlers): Promise<{ close(): Promise<void> }> {
  rmSync(socketPath, { force: true }); // the lock says no live supervisor owns this folder
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    const lines = createInterface({ input: socket });
    lines.once('line', (line) => {
      lines.close();
      let req: ControlRequest;
      try { req = JSON.parse(line) as ControlRequest; } catch { socket.end(`${JSON.stringify({ ok: false, message: 'malformed request: expected one JSON line' })}\n`); return; }
      handle(req, h).then(
        (res) => socket.end(`${JSON.stringify(res)}\n`),
        (err: Error) => socket.end(`${JSON.stringify({ ok: false, message: err.message })}\n`),
      );
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(socketPath, () => resolve()); });
  // Only the reader who started the checkpoint may stop its components: connecting needs write permission.
  chmodSync(socketPath, 0o600);
  return {
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => { rmSync(socketPath, { force: true }); resolve(); });
    }),
  };
}

export function sendControl(socketPath: string, req: ControlRequest): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { data += d; });
    socket.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
      ? new Error(`no checkpoint supervisor answers on ${socketPath}: is the checkpoint running (npm run chapter N)?`) : err));
    socket.on('end', () => {
      try { resolve(JSON.parse(data) as ControlResponse); } catch { reject(new Error(`the supervisor's answer was not JSON: ${JSON.stringify(data)}`)); }
    });
    socket.write(`${JSON.stringify(req)}\n`);
  });
}
