// Where ExecREST sends an exec once the pod and options are valid: the seam chapters swap
// (in Kubernetes, ExecREST.Connect asks pod.ExecLocation and hands the request to an UpgradeAwareHandler).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from '../../api/types.ts';

// core/v1 PodExecOptions, as decoded from the query (?command=a&command=b&container=c&stdin=true...).
export interface PodExecOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  container: string;  // already defaulted and validated against the pod
  command: string[];
}

export interface ExecBackend {
  // Owns the socket from here on: it either completes the upgrade and streams, or writes an
  // HTTP error response (a Status) and ends the socket.
  connect(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Pod, options: PodExecOptions): void | Promise<void>;
}
