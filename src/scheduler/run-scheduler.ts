// A scheduler process: the scheduler's caches and binder, plus the node lifecycle controller that
// kube-controller-manager would run (cmd/kube-scheduler/app/server.go Run; both in one process here, to keep the checkpoint small).
import { readFileSync } from 'node:fs';
import { RESTClient } from '../client/rest-client.ts';
import { parseDuration } from '../kubelet/duration.ts';
import { announce, withdraw } from '../util/announce.ts';
import { parseFlags, requireFlag } from '../util/flags.ts';
import { installSignalHandlers, onShutdown } from '../util/lifecycle.ts';
import { NodeLifecycleController } from './node-lifecycle.ts';
import { DefaultBinder, Scheduler } from './scheduler.ts';

// The last three are its kubeconfig's TLS (chapter 9): the cluster CA, and the client certificate
// (CN system:kube-scheduler) the API server authenticates it by.
const FLAGS = ['name', 'state-dir', 'apiserver', 'node-monitor-grace-period', 'node-monitor-period',
  'certificate-authority', 'client-certificate', 'client-key'] as const;

export async function runScheduler(argv = process.argv.slice(2)): Promise<void> {
  installSignalHandlers();
  const flags = parseFlags(FLAGS, argv);
  const name = requireFlag(flags, 'name');
  const stateDir = requireFlag(flags, 'state-dir');
  const log = (line: string) => console.log(line);
  const pem = (flag: 'certificate-authority' | 'client-certificate' | 'client-key') => flags[flag] ? readFileSync(flags[flag]!, 'utf8') : undefined;
  const client = new RESTClient({
    server: requireFlag(flags, 'apiserver'), userAgent: 'kube-scheduler/v1.32.0 (linux/amd64) kubernetes/workbook', timeoutMs: 30_000,
    ca: pem('certificate-authority'), cert: pem('client-certificate'), key: pem('client-key'),
  });
  const abort = new AbortController();
  const scheduler = new Scheduler(new DefaultBinder(client, abort.signal), log);
  const running = scheduler.run(client, abort.signal);
  const lifecycle = new NodeLifecycleController(client, {
    gracePeriodMs: parseDuration(flags['node-monitor-grace-period'] ?? '40s'),
    monitorPeriodMs: parseDuration(flags['node-monitor-period'] ?? '5s'),
    log,
  });
  lifecycle.start();
  onShutdown(async () => { abort.abort(); await running; await lifecycle.close(); });
  announce(stateDir, { name });
  onShutdown(() => withdraw(stateDir, name));
  log(`${name}: scheduling pods onto Ready nodes`);
}
