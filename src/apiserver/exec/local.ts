// LocalExecBackend: chapter 2's stand-in for the kubelet — ExecREST's stream is served right here and the command runs on the API server's host (where the real ExecREST would ask pod.ExecLocation for a kubelet).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { badRequest, toStatus } from '../../api/status.ts';
import type { Pod } from '../../api/types.ts';
import { ContainerBoundExecutor } from '../../exec/bound-executor.ts';
import { LocalExecutor } from '../../exec/local.ts';
import { serveExec, streamOptionsError } from '../../remotecommand/serve-exec.ts';
import { writeStatusAndClose, writeTextAndClose } from '../../util/raw-response.ts';
import type { ExecBackend, PodExecOptions } from './backend.ts';

export interface LocalExecBackendOptions {
  stateDir: string;
  log?: (line: string) => void;
  // The pods registry: when a pod is deleted, the commands exec'd into it are killed, as a kubelet stopping
  // its containers would (no session outlives its pod).
  pods?: { afterDelete: ((pod: Pod) => Promise<void>)[] };
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// #region pod-folder
// Each pod gets a folder, <state>/apiserver/pods/<namespace>/<pod>/, as its "container": the
// command's working directory. Names become paths only once they are DNS-1123 names, which have
// no '/', no '..' and no leading dot.
export function podFolder(stateDir: string, namespace: string, name: string): string {
  if (namespace.length > 63 || !dns1123Label.test(namespace)) throw badRequest(`namespace ${JSON.stringify(namespace)} is not a DNS-1123 label`);
  if (name.length > 253 || !dns1123Subdomain.test(name)) throw badRequest(`pod name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
  return join(stateDir, 'apiserver', 'pods', namespace, name);
}
// #endregion pod-folder

export class LocalExecBackend implements ExecBackend {
  // pod uid → aborted when the pod is deleted, and how many sessions still watch it (then forgotten).
  private readonly live = new Map<string, { deleted: AbortController; sessions: number }>();

  constructor(private readonly opts: LocalExecBackendOptions) {
    opts.pods?.afterDelete.push(async (pod) => {
      this.live.get(pod.metadata.uid ?? '')?.deleted.abort();
      this.live.delete(pod.metadata.uid ?? '');
    });
  }

  private podDeleted(uid: string, sessionDone: AbortSignal): AbortSignal {
    let entry = this.live.get(uid);
    if (!entry) this.live.set(uid, entry = { deleted: new AbortController(), sessions: 0 });
    const e = entry;
    e.sessions++;
    sessionDone.addEventListener('abort', () => {
      if (--e.sessions === 0 && this.live.get(uid) === e) this.live.delete(uid);
    }, { once: true });
    return e.deleted.signal;
  }

  // #region connect
  async connect(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Pod, options: PodExecOptions): Promise<void> {
    const log = this.opts.log ?? (() => {});
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    // Here the API server plays the kubelet, so it makes the kubelet's check of the options, in its words:
    // plain text, 400 (go-restful's WriteError). The API server itself never asks this.
    const noStreams = streamOptionsError(options);
    if (noStreams) {
      log(`exec ${namespace}/${name} refused (400): ${noStreams}`);
      return writeTextAndClose(socket, 400, noStreams);
    }
    let folder: string;
    try {
      folder = podFolder(this.opts.stateDir, namespace, name);
      await mkdir(folder, { recursive: true });
    } catch (err) {
      log(`exec ${namespace}/${name} refused: ${err instanceof Error ? err.message : String(err)}`);
      return writeStatusAndClose(socket, toStatus(err));
    }
    // The container's own env (value only) on top of a small, fixed base: not the API server's env.
    const container = pod.spec.containers.find((c) => c.name === options.container);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder, HOSTNAME: name };
    for (const e of container?.env ?? []) env[e.name] = e.value ?? '';
    const uid = pod.metadata.uid ?? '';
    const executor = new ContainerBoundExecutor(new LocalExecutor({ env }), (_target, done) => this.podDeleted(uid, done));
    // The command's words stay out of the log (they may hold secrets): only how many there are.
    log(`exec ${namespace}/${name} [${options.command.length} command word${options.command.length === 1 ? '' : 's'}] in ${folder}`);
    const status = await serveExec(req, socket, head, {
      executor,
      target: { container: folder, cmd: options.command },
      options: { stdin: options.stdin, stdout: options.stdout, stderr: options.stderr, tty: options.tty },
      log,
    });
    log(`exec ${namespace}/${name} done: ${status ? (status.reason ?? status.status) : 'client went away'}`);
  }
  // #endregion connect
}
