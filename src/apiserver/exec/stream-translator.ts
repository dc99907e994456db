// The StreamTranslator: the API server ends kubectl's WebSocket (v5) itself and runs the exec to the kubelet over
// SPDY, as since Kubernetes 1.30 (apiserver pkg/util/proxy/streamtranslator.go StreamTranslatorHandler, websocket.go).
import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import { badRequest, StatusError, toStatus, type Status } from '../../api/status.ts';
import type { NodeAddress, Pod } from '../../api/types.ts';
import type { ExecResult, ExecStreams, Executor, TerminalSize } from '../../exec/executor.ts';
import { serveExec } from '../../remotecommand/serve-exec.ts';
import { streamExecSpdy } from '../../remotecommand/spdy-client.ts';
import type { SpdyTLSOptions } from '../../remotecommand/spdy-upgrade.ts';
import { exitCodeFromStatus, internalErrorStatus } from '../../remotecommand/status.ts';
import { UpgradeError } from '../../remotecommand/websocket-client.ts';
import { writeStatusAndClose } from '../../util/raw-response.ts';
import type { ExecBackend, PodExecOptions } from './backend.ts';
import { execLocation, nodeConnectionInfo, type NodeGetter } from './kubelet.ts';

export interface StreamTranslatorOptions {
  getNode: NodeGetter;
  preferredAddressTypes?: NodeAddress['type'][];
  // How to reach the kubelet (chapter 9: https, and a TLS dial with the API server's client certificate).
  // Default: http, plain TCP (or TLS with `tls` for https: locations).
  scheme?: 'http' | 'https';
  dial?: (location: URL) => Duplex;
  tls?: SpdyTLSOptions;
  pingIntervalMs?: number;   // the SPDY pings to the kubelet (streamtranslator.go: 5 s)
  idleTimeoutMs?: number;    // the WebSocket to the client (websocket.go: 4 h)
  log?: (line: string) => void;
}

export const TRANSLATOR_IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;
const V5 = 'v5.channel.k8s.io';

// #region stream-translator
export class StreamTranslator implements ExecBackend {
  constructor(private readonly opts: StreamTranslatorOptions) {}

  async connect(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Pod, options: PodExecOptions): Promise<void> {
    const log = this.opts.log ?? (() => {});
    let location: URL;
    const nodeName = pod.spec.nodeName ?? '';
    try {
      if (!nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
      location = execLocation(pod, nodeConnectionInfo(await this.opts.getNode(nodeName), this.opts.preferredAddressTypes, this.opts.scheme), options);
    } catch (err) {
      return writeStatusAndClose(socket, asStatus(err));
    }
    log(`exec ${pod.metadata.namespace}/${pod.metadata.name} → translated: WebSocket v5 here, SPDY to kubelet ${nodeName} ${location.origin}${location.pathname}`);
    const status = await serveExec(req, socket, head, {
      // The translator's WebSocket server speaks v5 only (the client offered it, or it would not be here).
      protocols: [V5],
      executor: this.executor(location, `kubelet ${nodeName}`),
      target: { container: options.container, cmd: options.command },
      options: { stdin: options.stdin, stdout: options.stdout, stderr: options.stderr, tty: options.tty },
      idleTimeoutMs: this.opts.idleTimeoutMs ?? TRANSLATOR_IDLE_TIMEOUT_MS,
      log,
    });
    log(`exec ${pod.metadata.namespace}/${pod.metadata.name} done (translated): ${status ? (status.reason ?? status.status) : 'client went away'}`);
  }

  // The WebSocket session's executor is a SPDY exec to the kubelet: its streams are the WebSocket's channels.
  private executor(location: URL, hop: string): Executor {
    return {
      supportsTTY: true,
      execInContainer: async (_target, streams: ExecStreams, signal: AbortSignal): Promise<ExecResult> => {
        let status: Status;
        try {
          status = await streamExecSpdy(location.href, {
            stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr, tty: streams.tty,
            resize: streams.resize ? watchSizes(streams.resize) : undefined,
            signal, dial: this.opts.dial, tls: this.opts.tls, hop,
            pingIntervalMs: this.opts.pingIntervalMs ?? 5000,
          });
        } catch (err) {
          throw translatedError(err);
        } finally {
          await Promise.all([finish(streams.stdout), finish(streams.stderr)]);
        }
        return exitResult(status);
      },
    };
  }
}
// #endregion stream-translator

// #region result-mapping
// What the SPDY side said, as streamtranslator.go reports it on channel 3: an exit code becomes a NonZeroExitCode
// Status in the translator's own words (codeExitToStatusError: "command terminated with non-zero exit code:
// command terminated with exit code N"); a Status the kubelet refused the upgrade with passes as it is; any other
// error is an InternalError (500): "Internal error occurred: unable to upgrade connection: container not found ("web")".
export function exitResult(status: Status): ExecResult {
  let code: number;
  try { code = exitCodeFromStatus(status); } catch (err) { throw translatedError(err); }
  return code === 0 ? { exitCode: 0 } : { exitCode: code, message: `command terminated with exit code ${code}` };
}

export function translatedError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof UpgradeError && err.status) return new StatusError(err.status);
  return new StatusError(internalErrorStatus(err));
}
// #endregion result-mapping

// The WebSocket session's terminal sizes (an async queue) as the SPDY client takes them: no initial size is known
// here, each one goes on as it comes (translatorSizeQueue).
function watchSizes(queue: AsyncIterable<TerminalSize>): { watch(send: (size: TerminalSize) => void): () => void } {
  return {
    watch(send) {
      let stopped = false;
      void (async () => { for await (const size of queue) { if (stopped) return; send(size); } })().catch(() => {});
      return () => { stopped = true; };
    },
  };
}

// Every output chunk handed to the session before the Status: end the writer and wait until it has sent them.
function finish(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed || w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', () => resolve());
    if (!w.writableEnded) w.end();
  });
}

function asStatus(err: unknown): Status {
  const code = (err as { code?: unknown }).code;
  if (code === 500 && err instanceof Error && !(err instanceof StatusError)) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, code: 500 };
  return toStatus(err);
}
