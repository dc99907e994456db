// The kubelet's exec routes and query, parsed: /exec/{podNamespace}/{podID}[/{uid}]/{containerName}
// with command/input/output/error/tty (pkg/kubelet/server/server.go InstallDebuggingHandlers, remotecommand.NewOptions).
import { badRequest, notFoundPath } from '../api/status.ts';
import { streamOptionsError } from '../remotecommand/serve-exec.ts';

export interface KubeletExecRequest {
  namespace: string;
  pod: string;
  uid?: string;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

// DNS-1123 names and the ids the kubelet may see in its paths; anything else is refused before it is
// used to look anything up (the same names become folders in the host runtime).
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

// #region exec-request
export function parseExecRequest(url: URL): KubeletExecRequest {
  const parts = url.pathname.split('/').slice(1);
  if (parts[0] !== 'exec' || (parts.length !== 4 && parts.length !== 5)) throw notFoundPath();
  const names = parts.slice(1).map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  for (const n of names) if (!NAME.test(n)) throw badRequest(`invalid name in exec path: ${JSON.stringify(n)}`);
  const [namespace, pod] = names as [string, string];
  const uid = names.length === 4 ? names[2] : undefined;
  const container = names[names.length - 1]!;
  const q = url.searchParams;
  // The kubelet's "true" is exactly "1": the API server writes 1 and nothing else (NewOptions compares == "1").
  const flag = (name: string) => q.get(name) === '1';
  const tty = flag('tty');
  const stdin = flag('input');
  const stdout = flag('output');
  // A terminal merges stderr into stdout, so a tty request silently loses its error stream.
  const stderr = flag('error') && !tty;
  const noStreams = streamOptionsError({ stdin, stdout, stderr, tty });
  if (noStreams) throw badRequest(noStreams);
  return { namespace, pod, uid, container, command: q.getAll('command'), stdin, stdout, stderr, tty };
}
// #endregion exec-request

export function isExecPath(pathname: string): boolean {
  return pathname === '/exec' || pathname.startsWith('/exec/');
}

