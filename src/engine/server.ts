// The engine's API server on a unix socket (moby api/server/server.go, cmd/dockerd listeners): versioned paths,
// the version check, routes, errors as {"message"}, and hijacked connections for exec and attach.
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkVersion, parseVersionedPath } from './api-version.ts';
import { notFound } from './errors.ts';
import { readUpgradeBody } from './hijack.ts';
import { readBody, writeError, writeErrorOnSocket, writeJSON, type Handler, type HijackConn, type RequestContext } from './http.ts';
import type { Router } from './router.ts';

function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export interface EngineServer { socket: string; close(): Promise<void> }

export async function serveEngineAPI(socketPath: string, router: Router<Handler>, log: (line: string) => void): Promise<EngineServer> {
  if (existsSync(socketPath)) {
    if (await socketAlive(socketPath)) throw new Error(`${socketPath} is in use by a running engine`);
    rmSync(socketPath, { force: true }); // left by an engine that was killed: bind would fail with EADDRINUSE
  }
  const sockets = new Set<Duplex>();
  const hijacked = new WeakSet<Duplex>();

  const route = (req: IncomingMessage): { ctx: RequestContext; handler: Handler } => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const { version, path } = parseVersionedPath(url.pathname);
    checkVersion(version);
    const m = router.match(req.method ?? 'GET', path);
    if (!m || m === 'method') throw notFound('page not found');
    return { ctx: { req, url, params: m.params, version }, handler: m.handler };
  };

  const hijack = async (ctx: RequestContext, handler: Extract<Handler, { hijack: unknown }>, conn: HijackConn) => {
    hijacked.add(conn.socket);
    conn.socket.on('error', () => { /* a client gone mid-stream */ });
    try {
      await handler.hijack(ctx, conn);
    } catch (err) {
      if (!conn.wrote) writeErrorOnSocket(conn.socket, err);
      else { log(`${ctx.req.method} ${ctx.url.pathname}: ${(err as Error).message}`); conn.socket.destroy(); }
    }
  };

  const server: Server = createServer({ requestTimeout: 0 }, (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const { ctx, handler } = route(req);
        if ('plain' in handler) {
          const value = await handler.plain(ctx, res);
          if (value !== undefined && !res.headersSent) writeJSON(res, 200, value);
          return;
        }
        // A hijack without "Upgrade" (an older client): a 200 head on the raw connection, then the stream.
        // Node's parser still owns the connection, so the stream carries output only; stdin needs the upgrade.
        const body = await readBody(req);
        await hijack(ctx, handler, { socket: req.socket, body, rest: Buffer.alloc(0), upgrade: false, wrote: false });
      } catch (err) {
        writeError(res, err);
      }
    })();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    void (async () => {
      try {
        const { ctx, handler } = route(req);
        if (!('hijack' in handler)) throw notFound('page not found');
        const { body, rest } = await readUpgradeBody(req, socket, head);
        await hijack(ctx, handler, { socket, body, rest, upgrade: true, wrote: false });
      } catch (err) {
        writeErrorOnSocket(socket, err);
      }
    })();
  });
  // After a 200 hijack the parser may read stdin bytes as a bad request: that connection is not its any more.
  server.on('clientError', (_err, socket: Duplex) => { if (!hijacked.has(socket)) socket.destroy(); });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => { server.off('error', reject); resolve(); });
  });
  chmodSync(socketPath, 0o600); // root's, as /var/run/docker.sock is root:docker 0660 (there is no docker group here)
  log(`engine API listening on unix://${socketPath}`);

  let closed: Promise<void> | undefined;
  return {
    socket: socketPath,
    close: () => closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      rmSync(socketPath, { force: true });
    }),
  };
}
