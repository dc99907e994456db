// kubectl exec: GET the pod, pick the container, then open one WebSocket carrying stdin/stdout/stderr and the exit Status (kubectl/pkg/cmd/exec/exec.go, client-go tools/remotecommand).
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Status } from '../../api/status.ts';
import { StatusError } from '../../api/status.ts';
import type { Pod } from '../../api/types.ts';
import { statusFromResponse } from '../../client/errors.ts';
import { Accept } from '../../client/rest-client.ts';
import { logRequest, logResponse } from '../../client/round-trippers.ts';
import { exitCodeFromStatus } from '../../remotecommand/status.ts';
import { bool, str } from '../args.ts';
import { splitTypeName, validateName } from '../discovery.ts';
import { CmdError, ExitError } from '../errors.ts';
import type { Factory } from '../factory.ts';
import { monitorSize, withRawTerminal } from '../term.ts';
import type { TerminalSize } from '../../exec/executor.ts';
import type { Logger } from '../../client/klog.ts';

// The contract of remotecommand/websocket-client.ts (and, from chapter 8, of the SPDY client and the fallback
// between the two), which our kubectl calls to run the stream.
export interface StreamExecOptions {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  resize?: { initial: TerminalSize; watch(send: (size: TerminalSize) => void): () => void };
  protocols?: string[];
  headers?: Record<string, string>;
  onRequest?: (method: string, headers: Record<string, string | string[]>) => void;
  logger?: Logger;
  onResponse?: (r: { statusCode: number; statusMessage: string; headers: IncomingHttpHeaders; protocol: string; ms: number }) => void;
  ws?: { ca?: Buffer; rejectUnauthorized?: boolean; servername?: string };   // TLS for wss://
}
export type StreamExec = (url: string, opts: StreamExecOptions) => Promise<Status>;

export const defaultContainerAnnotation = 'kubectl.kubernetes.io/default-container';

export interface ExecRequest { pod: string; command: string[]; container?: string; stdin: boolean; tty: boolean; quiet: boolean }

export function parseExecArgs(f: Factory): ExecRequest {
  const p = f.args;
  const [target, ...rest] = p.positionals;
  if (!target) throw new CmdError('pod, type/name or --filename must be specified');
  if (rest.length > 0) {
    throw new CmdError('exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead');
  }
  const command = p.dashArgs ?? [];
  if (command.length === 0) throw new CmdError('you must specify at least one command for the container');
  const typed = splitTypeName(target);
  if (typed && !['pod', 'pods', 'po'].includes(typed[0].toLowerCase())) {
    throw new CmdError(`cannot exec into a ${typed[0]}: this kubectl execs into pods only`);
  }
  const pod = typed ? typed[1] : target;
  validateName(pod);
  return { pod, command, container: str(p, 'container'), stdin: bool(p, 'stdin'), tty: bool(p, 'tty'), quiet: bool(p, 'quiet') };
}

// The annotation names the container to use; otherwise the first one, said aloud when there was a choice.
export function defaultContainer(pod: Pod, warn: (line: string) => void, log: (line: string) => void): string {
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 0) throw new CmdError(`pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} does not have any containers`);
  const annotated = pod.metadata.annotations?.[defaultContainerAnnotation];
  if (annotated && containers.some((c) => c.name === annotated)) return annotated;
  const first = containers[0].name;
  if (containers.length > 1) warn(`Defaulted container "${first}" out of: ${containers.map((c) => c.name).join(', ')}\n`);
  else log(`Defaulting container name to ${first}`);
  return first;
}

// #region exec-query
// Sorted keys, only true flags, command repeated; with a TTY stderr is merged into stdout, so not asked for.
export function execQuery(r: { command: string[]; container: string; stdin: boolean; tty: boolean }): Record<string, string | string[] | undefined> {
  return {
    command: r.command,
    container: r.container,
    stderr: r.tty ? undefined : 'true',
    stdin: r.stdin ? 'true' : undefined,
    stdout: 'true',
    tty: r.tty ? 'true' : undefined,
  };
}
// #endregion exec-query

// #region run-exec
export async function runExec(f: Factory, streamExec: StreamExec): Promise<void> {
  const req = parseExecArgs(f);
  const { err } = f.streams;
  const client = f.client();
  const namespace = f.namespace();

  const pod = await client.json<Pod>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(req.pod)}`, accept: Accept.jsonAny, source: 'helper.go:105' });
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new CmdError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const container = req.container ?? defaultContainer(pod, (l) => { if (!req.quiet) err.write(l); }, (l) => f.logger.info(4, 'podcmd.go:88', l));

  // -t needs -i and a terminal on stdin; without them the TTY is dropped (kubectl's StreamOptions.SetupTTY).
  let tty = req.tty && req.stdin;
  const stdinIsTerminal = f.streams.in.isTTY === true && typeof f.streams.in.setRawMode === 'function';
  if (tty && !stdinIsTerminal) {
    if (!req.quiet) err.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }

  // The URL comes from the pod the server returned, as kubectl builds it (its namespace and name).
  const ns = pod.metadata.namespace || namespace;
  const name = pod.metadata.name || req.pod;
  validateName(ns);
  validateName(name);
  const url = client.url(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/exec`, execQuery({ ...req, container, tty }));

  // Each transport logs its own upgrade request (the WebSocket GET; from chapter 8 the SPDY POST after a refusal).
  let method = '';
  const stream = () => streamExec(url, {
    stdin: req.stdin ? f.streams.in : undefined,
    stdout: f.streams.out,
    stderr: tty ? undefined : err,
    tty,
    resize: tty ? monitorSize(f.streams.out) : undefined,
    headers: { ...client.authHeaders(), ...client.hiddenHeaders() },
    ws: url.startsWith('https:') ? (client.tlsOptions() as StreamExecOptions['ws']) : undefined,
    logger: f.logger,
    onRequest: (m, headers) => { method = m; logRequest(f.logger, m, url, { ...headers, ...client.authHeaders() }); },
    onResponse: (r) => {
      // A refused WebSocket reaches client-go as the dialer's error, without the response: kubectl logs no status.
      const refused = method === 'GET' && r.statusCode !== 101;
      logResponse(f.logger, method, url, refused ? { statusCode: '', statusMessage: '', headers: {} } : r, r.ms);
      if (r.protocol && method === 'GET') f.logger.info(4, 'websocket.go:133', `The subprotocol is ${r.protocol}`);
    },
  });
  let status: Status;
  try {
    // With a terminal: raw mode for exactly as long as the stream lasts, undone on every way out.
    status = await (tty ? withRawTerminal(f.streams.in, stream) : stream());
  } catch (e) {
    throw upgradeError(e);
  }

  let code: number;
  try {
    code = exitCodeFromStatus(status);
  } catch (e) {
    throw new CmdError((e as Error).message);
  }
  if (code !== 0) {
    err.write(`command terminated with exit code ${code}\n`);
    throw new ExitError(code);
  }
}
// #endregion run-exec

// A refused upgrade carries the server's Status; kubectl prints it as "Error from server (Reason): ...".
// Without one, the words the server sent, after "unable to upgrade connection:".
function upgradeError(e: unknown): unknown {
  if (e instanceof StatusError) return e;
  const x = e as { status?: unknown; statusCode?: number; code?: unknown };
  if (x && typeof x.status === 'object' && x.status !== null) return new StatusError(x.status as Status);
  // A refusal in plain text (the kubelet's words, relayed by the API server): kubectl's SPDY fallback prints
  // "unable to upgrade connection: <the text>" (spdy/roundtripper.go NewConnection).
  if (e instanceof Error && e.name === 'UpgradeError') return new CmdError(e.message);
  const code = typeof x?.statusCode === 'number' ? x.statusCode : typeof x?.code === 'number' ? x.code : undefined;
  if (code !== undefined) return new StatusError(statusFromResponse(code, new Uint8Array()));
  return e;
}
