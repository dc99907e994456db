// Our kubectl as a function: parse the command line, run one command, return the exit code (kubectl/pkg/cmd/cmd.go NewKubectlCommand, util.CheckErr).
import { KlogLogger } from '../client/klog.ts';
import { num, parseArgs } from './args.ts';
import type { ParsedArgs } from './args.ts';
import { runDelete } from './cmd/delete.ts';
import { runDescribe } from './cmd/describe.ts';
import type { StreamExec } from './cmd/exec.ts';
import { runExec } from './cmd/exec.ts';
import { runGet } from './cmd/get.ts';
import { runLogs } from './cmd/logs.ts';
import { runRun } from './cmd/run.ts';
import { runVersion } from './cmd/version.ts';
import { runWait } from './cmd/wait.ts';
import { formatError } from './errors.ts';
import type { IOStreams } from './factory.ts';
import { Factory } from './factory.ts';

export const usage = `kubectl controls the Kubernetes cluster manager (the workbook's own kubectl).

Commands:
  version     Print the client and server version information
  get         Display one or many resources (pods, nodes, namespaces)
  describe    Show details of a pod or a node
  run         Run a particular image on the cluster
  delete      Delete resources by resource and names
  exec        Execute a command in a container
  logs        Print the logs for a container in a pod (served from chapter 10)
  wait        Wait for a condition on one or many resources (--for=condition=Ready, --for=delete)

Global flags: -n/--namespace, --kubeconfig, --context, --server, --token, -v/--v=6|7|8

Usage:
  kubectl [flags] [options]
`;

export interface KubectlDeps {
  streams: IOStreams;
  env?: NodeJS.ProcessEnv;
  streamExec?: () => Promise<StreamExec>;   // loaded only by exec
}

export async function runKubectl(argv: readonly string[], deps: KubectlDeps): Promise<number> {
  const { streams } = deps;
  try {
    const args: ParsedArgs = parseArgs(argv);
    if (args.flags.help === true || args.command === undefined) {
      streams.out.write(usage);
      return 0;
    }
    const f = new Factory(args, new KlogLogger(num(args, 'v'), (l) => streams.err.write(l)), streams, deps.env);
    switch (args.command) {
      case 'version': await runVersion(f); break;
      case 'get': await runGet(f); break;
      case 'run': await runRun(f); break;
      case 'delete': await runDelete(f); break;
      case 'describe': await runDescribe(f); break;
      case 'logs': await runLogs(f); break;
      case 'wait': await runWait(f); break;
      case 'exec': {
        if (!deps.streamExec) throw new Error('exec is not wired in this kubectl');
        await runExec(f, await deps.streamExec());
        break;
      }
    }
    return 0;
  } catch (err) {
    const { text, exitCode } = formatError(err);
    if (text) streams.err.write(text);
    return exitCode;
  }
}
