// The engine process: `--name --state-dir [--socket] [--isolation=auto|namespaces|processes]`, its containers bound to
// its life (the lifeline, signals), announced as { name, socket } (cmd/dockerd's role in the checkpoint).
import { announce, withdraw } from '../util/announce.ts';
import { parseFlags, requireFlag } from '../util/flags.ts';
import { installSignalHandlers, onShutdown } from '../util/lifecycle.ts';
import type { ContainerBackend } from './backend.ts';
import { startEngine, type Engine } from './engine.ts';
import { createImageStore } from './images/store.ts';
import { ProcessBackend } from './process-backend.ts';
import { join } from 'node:path';

export interface EngineWiring {
  // The isolating backend (src/engine/linux/), or why it cannot run here: `auto` falls back to host processes.
  namespaces?: (ctx: { root: string; log: (line: string) => void }) => Promise<{ backend: ContainerBackend } | { unavailable: string }>;
}

export async function chooseBackend(isolation: string, wiring: EngineWiring, ctx: { root: string; log: (line: string) => void }): Promise<ContainerBackend> {
  const { log } = ctx;
  if (!['auto', 'namespaces', 'processes'].includes(isolation)) throw new Error(`--isolation: auto, namespaces or processes, not ${isolation}`);
  if (isolation !== 'processes') {
    const got = wiring.namespaces ? await wiring.namespaces(ctx) : { unavailable: 'no namespaces backend in this checkpoint' };
    if ('backend' in got) return got.backend;
    if (isolation === 'namespaces') throw new Error(`--isolation=namespaces: ${got.unavailable}`);
    log(`WARNING: namespaces unavailable (${got.unavailable}): falling back to host processes`);
  }
  const backend = new ProcessBackend();
  log(`WARNING: NO ISOLATION: ${backend.description}`);
  return backend;
}

export async function runEngine(wiring: EngineWiring = {}, argv = process.argv.slice(2)): Promise<Engine> {
  const flags = parseFlags(['name', 'state-dir', 'socket', 'isolation'], argv);
  const name = requireFlag(flags, 'name');
  const stateDir = requireFlag(flags, 'state-dir');
  installSignalHandlers();
  const log = (line: string) => console.log(line);
  const backend = await chooseBackend(flags.isolation ?? 'auto', wiring, { root: join(stateDir, name), log });
  log(`engine ${name}: container backend ${backend.kind}: ${backend.description}`);
  const images = createImageStore({ root: join(stateDir, name) });
  const engine = await startEngine({ name, stateDir, socket: flags.socket, backend, images, log });
  onShutdown(() => withdraw(stateDir, name));
  onShutdown(() => engine.close());
  announce(stateDir, { name, socket: engine.socket, isolation: backend.kind });
  log(`engine ${name} serving the Docker Engine API on unix://${engine.socket}`);
  return engine;
}
