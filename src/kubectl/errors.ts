// How kubectl words a failure and which exit code it picks (kubectl/pkg/cmd/util/helpers.go CheckErr, StandardErrorMessage; cobra's usage errors).
import { StatusError } from '../api/status.ts';
import { ConnectionError } from '../client/errors.ts';
import { KubeconfigError } from '../client/kubeconfig.ts';
import { describeTLSError } from '../client/tls-errors.ts';

// A cobra-level mistake on the command line: "Error: unknown flag: --x" plus a hint naming the command.
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) { super(message); this.name = 'UsageError'; }
}

// A failure kubectl itself words, printed as "error: <message>" (cmdutil.UsageErrorf, fmt.Errorf in the commands).
export class CmdError extends Error {
  constructor(message: string, readonly exitCode = 1, readonly hint?: string) { super(message); this.name = 'CmdError'; }
}

// The process exits with this code without printing anything more (exec's "command terminated" path).
export class ExitError extends Error {
  constructor(readonly exitCode: number) { super(`exit ${exitCode}`); this.name = 'ExitError'; }
}

export function formatError(err: unknown): { text: string; exitCode: number } {
  if (err instanceof ExitError) return { text: '', exitCode: err.exitCode };
  if (err instanceof UsageError) {
    const hint = err.command ? `\nSee 'kubectl ${err.command} --help' for usage.` : '';
    return { text: `Error: ${err.message}${hint}\n`, exitCode: 1 };
  }
  if (err instanceof CmdError) return { text: `error: ${err.message}\n${err.hint ? `${err.hint}\n` : ''}`, exitCode: err.exitCode };
  if (err instanceof StatusError) {
    const { reason, message } = err.status;
    return { text: reason ? `Error from server (${reason}): ${message}\n` : `Error from server: ${message}\n`, exitCode: 1 };
  }
  if (err instanceof ConnectionError && err.code === 'ECONNREFUSED') {
    return { text: `The connection to the server ${new URL(err.server).host} was refused - did you specify the right host or port?\n`, exitCode: 1 };
  }
  // A server whose certificate does not verify (chapter 9): client-go's transport error, as kubectl prints it.
  const tls = err instanceof ConnectionError ? describeTLSError(err.cause, new URL(err.server).hostname) : undefined;
  if (tls) return { text: `Unable to connect to the server: ${tls}\n`, exitCode: 1 };
  if (err instanceof KubeconfigError) return { text: `error: ${err.message}\n`, exitCode: 1 };
  return { text: `error: ${err instanceof Error ? err.message : String(err)}\n`, exitCode: 1 };
}
