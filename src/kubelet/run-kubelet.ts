// A kubelet process: flags, the REST client, the runtime a checkpoint plugs in, the announcement and a
// clean stop (cmd/kubelet/app/server.go RunKubelet, with the runtime chosen by the chapter's wiring).
import { RESTClient } from '../client/rest-client.ts';
import { announce, withdraw } from '../util/announce.ts';
import { parseFlags, requireFlag } from '../util/flags.ts';
import { installSignalHandlers, onShutdown } from '../util/lifecycle.ts';
import { parseDuration } from './duration.ts';
import { Kubelet } from './kubelet.ts';
import type { KubeletRuntime } from './runtime.ts';
import type { KubeletOptions } from './kubelet.ts';

export interface KubeletRuntimeContext {
  nodeName: string;
  stateDir: string;
  hostIP: string;
  flags: Record<string, string | undefined>;   // including the wiring's extra flags
  log: (line: string) => void;
}

// #region kubelet-wiring
export interface KubeletWiring {
  // Flags the runtime needs beyond the kubelet's own (chapter 4 adds --container-runtime-endpoint).
  extraFlags?: readonly string[];
  runtimeVersion: string;                       // nodeInfo.containerRuntimeVersion, e.g. "host://0.3.0"
  runtime(ctx: KubeletRuntimeContext): KubeletRuntime | Promise<KubeletRuntime>;
  // Chapter 9: TLS toward the API server, and the kubelet's own HTTPS port and front door, from the flags
  // (kubelet/auth/secure-kubelet.ts). Absent: plain HTTP both ways, open to anyone (chapters 3-8).
  security?(ctx: KubeletRuntimeContext): KubeletSecurity | Promise<KubeletSecurity>;
}

export interface KubeletSecurity {
  apiserverTLS?: { ca?: string; cert?: string; key?: string };
  serving?(client: RESTClient): KubeletOptions['serving'];
  announce?: Record<string, string>;   // more for the announcement (a plain /healthz URL)
}
// #endregion kubelet-wiring

// --runtime-status-period and --runtime-sync-threshold are constants in the real kubelet (5 s and 30 s):
// flags here, so a checkpoint can notice a dead runtime in seconds.
const FLAGS = ['name', 'state-dir', 'node-name', 'apiserver', 'port', 'heartbeat-interval', 'runtime-status-period', 'runtime-sync-threshold'] as const;

export async function runKubelet(wiring: KubeletWiring, argv = process.argv.slice(2)): Promise<Kubelet> {
  installSignalHandlers();
  const flags = parseFlags([...FLAGS, ...(wiring.extraFlags ?? [])], argv) as Record<string, string | undefined>;
  const name = requireFlag(flags, 'name');
  const stateDir = requireFlag(flags, 'state-dir');
  const nodeName = requireFlag(flags, 'node-name');
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(nodeName)) throw new Error(`--node-name ${JSON.stringify(nodeName)} is not a DNS label`);
  const log = (line: string) => console.log(line);
  const hostIP = '127.0.0.1';
  const security = await wiring.security?.({ nodeName, stateDir, hostIP, flags, log });
  const runtime = await wiring.runtime({ nodeName, stateDir, hostIP, flags, log });
  const client = new RESTClient({ server: requireFlag(flags, 'apiserver'), userAgent: `kubelet/v1.32.0 (linux/amd64) kubernetes/workbook`, timeoutMs: 30_000, ...security?.apiserverTLS });
  const kubelet = new Kubelet({
    client,
    serving: security?.serving?.(client),
    nodeName, hostIP, runtime,
    runtimeVersion: runtime.runtimeVersion ?? wiring.runtimeVersion,
    port: Number(flags.port ?? 0),
    heartbeatIntervalMs: parseDuration(flags['heartbeat-interval'] ?? '10s'),
    runtimeStatusPeriodMs: parseDuration(flags['runtime-status-period'] ?? '5s'),
    runtimeSyncThresholdMs: parseDuration(flags['runtime-sync-threshold'] ?? '30s'),
    log,
  });
  onShutdown(() => kubelet.close());
  const url = await kubelet.start();
  announce(stateDir, { name, url: url.origin, node: nodeName, ...security?.announce });
  onShutdown(() => withdraw(stateDir, name));
  log(`kubelet ${nodeName} serving on ${url.origin}`);
  return kubelet;
}
