// The API server process: flags, listen, announce, stop on SIGTERM/SIGINT (cmd/kube-apiserver/app/server.go, Run, reduced).
import { join, resolve } from 'node:path';
import { announce, withdraw } from '../util/announce.ts';
import { parseFlags, requireFlag } from '../util/flags.ts';
import { installSignalHandlers, onShutdown } from '../util/lifecycle.ts';
import { APIServer, type APIServerExtension, type APIServerOptions } from './server.ts';
import { FileJournal } from './storage/journal.ts';
import { MemoryStorage } from './storage/memory.ts';
import type { SubresourceFactory } from './subresources.ts';

// #region wiring
// What a checkpoint plugs into the API server. Chapter 1 plugs nothing in; chapter 2 adds pods/exec;
// chapter 3 adds pods/status, pods/binding, nodes/status and a kubelet-backed exec.
export interface APIServerWiring {
  subresources?: Record<string, SubresourceFactory>;
  // Chapter 9: flags of its own (--client-ca-file...) and the extensions built from them (RBAC, authentication),
  // and the serving options: HTTPS, and TLS toward kubelets (apiserver/secure-serving.ts reads the files).
  extraFlags?: readonly string[];
  extensions?: (flags: Record<string, string | undefined>) => APIServerExtension[];
  serving?: (flags: Record<string, string | undefined>) => Pick<APIServerOptions, 'tls' | 'kubeletClientTLS'>;
  // More for the announcement (chapter 9: the CA and the admin's credential files, for the kubeconfig).
  announce?: Record<string, string>;
}
// #endregion wiring

export async function runAPIServer(wiring: APIServerWiring = {}, argv = process.argv.slice(2)): Promise<APIServer> {
  const flags = parseFlags(['name', 'state-dir', 'port', 'bind-address', ...(wiring.extraFlags ?? [])], argv) as Record<string, string | undefined>;
  const name = flags.name ?? 'apiserver';
  const stateDir = resolve(requireFlag(flags, 'state-dir'));
  const port = Number(flags.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${flags.port}`);
  const host = flags['bind-address'] ?? '127.0.0.1';

  installSignalHandlers();
  // Kept in the state folder, so that a restart after a crash finds the objects (a new checkpoint start clears it).
  const storage = new MemoryStorage({ journal: new FileJournal(join(stateDir, `${name}-storage`)) });
  const server = new APIServer({ name, stateDir, storage, subresources: wiring.subresources, extensions: wiring.extensions?.(flags), ...wiring.serving?.(flags) });
  onShutdown(() => server.close());
  const url = await server.listen(port, host);
  // Registered after close, so it runs first: the announcement disappears before the port does.
  onShutdown(() => withdraw(stateDir, name));
  announce(stateDir, { name, url, ...wiring.announce });
  console.log(`${name}: serving the Kubernetes API at ${url}`);
  return server;
}
