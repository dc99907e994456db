// The engine in one piece (dockerd's role): the daemon over a container backend and an image store, served as the
// Docker Engine API on a unix socket. startEngine() is the same in-process (tests) as in its own process (run-engine.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerBackend } from './backend.ts';
import { Daemon } from './daemon.ts';
import { ExecStore } from './exec.ts';
import type { Handler } from './http.ts';
import type { ImageStore } from './image-store.ts';
import { Router } from './router.ts';
import { containerRoutes } from './routes-containers.ts';
import { systemRoutes } from './routes-system.ts';
import { serveEngineAPI } from './server.ts';

export interface EngineOptions {
  name: string;
  stateDir: string;
  socket?: string;                 // default <state-dir>/<name>.sock
  backend: ContainerBackend;
  images: ImageStore;
  log?: (line: string) => void;
}

export interface Engine {
  socket: string;
  root: string;                    // <state-dir>/<name>: containers/<id>/, repositories.json
  daemon: Daemon;
  close(): Promise<void>;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export async function startEngine(opts: EngineOptions): Promise<Engine> {
  if (!NAME.test(opts.name)) throw new Error(`invalid engine name "${opts.name}": use lowercase letters, digits and '-'`);
  const log = opts.log ?? ((line: string) => console.log(line));
  const root = join(opts.stateDir, opts.name);
  mkdirSync(root, { recursive: true });
  const daemon = new Daemon({ root, backend: opts.backend, images: opts.images, log });
  await daemon.restore();
  const execs = new ExecStore(daemon);
  const router = new Router<Handler>();
  systemRoutes(router, daemon, opts.images, { name: opts.name });
  containerRoutes(router, daemon, execs);
  const server = await serveEngineAPI(opts.socket ?? join(opts.stateDir, `${opts.name}.sock`), router, log);
  let closed: Promise<void> | undefined;
  return {
    socket: server.socket, root, daemon,
    // The API first (no new containers), then every container, as dockerd stops without live-restore.
    close: () => closed ??= server.close().then(() => daemon.close()),
  };
}
