// Entry point of our kubectl: `npm run kubectl -- <args>` (kubectl/cmd/kubectl/kubectl.go).
import type { StreamExec } from './cmd/exec.ts';
import { runKubectl } from './kubectl.ts';

// The stream clients are loaded only when exec runs, so get/run/delete start without them.
// #region load-stream-exec
// As kubectl 1.30+: WebSocket first, SPDY if the upgrade is refused; KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false: SPDY only.
async function loadStreamExec(): Promise<StreamExec> {
  return (await import('../remotecommand/fallback.ts')).remoteCommandExecutor(process.env);
}
// #endregion load-stream-exec

// `kubectl get po | head -1`: a reader that goes away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); throw err; });
}

const code = await runKubectl(process.argv.slice(2), {
  streams: { in: process.stdin, out: process.stdout, err: process.stderr },
  streamExec: loadStreamExec,
});
// Exit explicitly (stdin may still hold the event loop open), once what we wrote has been flushed.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
