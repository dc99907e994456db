// The runtime shim process: a CRI gRPC server on a unix socket over a runtime (chapter 4: the process runtime;
// chapter 6: the engine) (cri-dockerd cmd/server.go and core/docker_server.go: the dockershim role, outside the kubelet).
import { existsSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { runtimeV1 } from '../cri/proto.ts';
import { announce, withdraw } from '../util/announce.ts';
import { parseFlags, requireFlag } from '../util/flags.ts';
import { installSignalHandlers, onShutdown } from '../util/lifecycle.ts';
import { ProcessRuntime } from './process-runtime.ts';
import { imageServiceHandlers, processShimRuntime, runtimeServiceHandlers } from './runtime-service.ts';
import type { ShimRuntime } from './runtime.ts';
import type { ShimStreaming } from './streaming.ts';

export interface ShimContext {
  name: string;
  stateDir: string;
  log: (line: string) => void;
  flags: Record<string, string | undefined>;
}

// What a runtime factory builds: its own object (R, which the streaming half uses) and the CRI seam over it.
export interface ShimRuntimeParts<R> { runtime: R; service: ShimRuntime }

export interface ShimOptions<R = ProcessRuntime> {
  name: string;
  stateDir: string;
  socket?: string;                          // default <state-dir>/<name>.sock
  // Chapter 4's process runtime unless a wiring brings its own (chapter 6: the engine through the Docker API).
  runtime?: (ctx: ShimContext) => Promise<ShimRuntimeParts<R>>;
  // Chapter 5 plugs a streaming server in; without one, Exec/Attach/PortForward answer NotFound
  // "streaming method exec disabled", as cri-dockerd does.
  streaming?: (ctx: { name: string; runtime: R; log: (line: string) => void; flags: Record<string, string | undefined> }) => Promise<ShimStreaming>;
  flags?: Record<string, string | undefined>;  // the values of a wiring's extra flags, for `runtime` and `streaming`
  log?: (line: string) => void;
}

export interface Shim<R = ProcessRuntime> {
  socket: string;
  runtime: R;
  streaming?: ShimStreaming;
  close(): Promise<void>;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// Is someone answering on this socket? A file left by a SIGKILLed shim refuses connections.
function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path, () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// #region start-shim
export async function startShim<R = ProcessRuntime>(opts: ShimOptions<R>): Promise<Shim<R>> {
  if (!NAME.test(opts.name)) throw new Error(`invalid shim name "${opts.name}": use lowercase letters, digits and '-'`);
  const log = opts.log ?? ((line: string) => console.log(line));
  const socket = opts.socket ?? join(opts.stateDir, `${opts.name}.sock`);
  if (existsSync(socket)) {
    if (await socketAlive(socket)) throw new Error(`${socket} is in use by a running runtime`);
    rmSync(socket, { force: true }); // stale: its shim died without removing it, and bind would fail with EADDRINUSE
  }
  const flags = opts.flags ?? {};
  // What answers the CRI calls: this chapter's process runtime, unless the wiring brings another (chapter 6: the engine).
  const { runtime, service } = await buildRuntime(opts, { name: opts.name, stateDir: opts.stateDir, log, flags });
  let streaming: ShimStreaming | undefined;
  try {
    streaming = opts.streaming ? await opts.streaming({ name: opts.name, runtime, log, flags }) : undefined;
  } catch (err) {
    await service.close();
    throw err;
  }

  const server = new grpc.Server();
  server.addService(runtimeV1.RuntimeService.service, runtimeServiceHandlers({ runtime: service, streaming, log }));
  server.addService(runtimeV1.ImageService.service, imageServiceHandlers({ runtime: service, log }));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  // grpc-js 1.10+ serves as soon as bindAsync completes: there is no start() to call.

  let closed: Promise<void> | undefined;
  const close = () => closed ??= (async () => {
    // Refuse new calls, let running ones finish, but never wait on a stream forever.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 2000);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
    await streaming?.close();
    await service.close();
    rmSync(socket, { force: true });
  })();
  return { socket, runtime, streaming, close };
}
// #endregion start-shim

function buildRuntime<R>(opts: ShimOptions<R>, ctx: ShimContext): Promise<ShimRuntimeParts<R>> {
  if (opts.runtime) return opts.runtime(ctx);
  const runtime = new ProcessRuntime(join(ctx.stateDir, ctx.name), ctx.log);
  // Without a runtime factory R is ProcessRuntime (the default type argument).
  return Promise.resolve({ runtime, service: processShimRuntime(runtime) } as ShimRuntimeParts<unknown> as ShimRuntimeParts<R>);
}

// The process entry: `--name --state-dir [--socket]` and the wiring's own flags, announce { name, socket },
// stop on SIGTERM.
export async function runShim<R = ProcessRuntime>(wiring: { runtime?: ShimOptions<R>['runtime']; streaming?: ShimOptions<R>['streaming']; extraFlags?: string[] } = {}, argv = process.argv.slice(2)): Promise<Shim<R>> {
  const flags = parseFlags(['name', 'state-dir', 'socket', ...(wiring.extraFlags ?? [])], argv);
  const name = requireFlag(flags, 'name');
  const stateDir = requireFlag(flags, 'state-dir');
  installSignalHandlers();
  const shim = await startShim<R>({ name, stateDir, socket: flags.socket, runtime: wiring.runtime, streaming: wiring.streaming, flags });
  onShutdown(() => withdraw(stateDir, name));
  onShutdown(() => shim.close());
  announce(stateDir, { name, socket: shim.socket, ...(shim.streaming?.url ? { streamingURL: shim.streaming.url } : {}) });
  console.log(`runtime shim ${name} serving CRI runtime.v1 on unix://${shim.socket}`);
  return shim;
}
