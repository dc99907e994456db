// Chapter 2's walk (npm run steps 2): the subresource map, the two requests and the 101, the channels byte by byte, exit codes, refusals.
import { step, observe, section, ours, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

const frames = (...args: string[]) => ['node', '--import', 'tsx', 'src/remotecommand/print-frames.ts', ...args];

section('Subresources: pods/exec and its siblings');
await step('Create a pod: only a record, since there are no nodes yet.', ['kubectl', 'run', 'web', '--image=nginx']);
await step('Discovery lists every subresource of pods, with its verbs.',
  'kubectl get --raw /api/v1 | jq -r \'.resources[] | select(.name | startswith("pods/")) | "\\(.name) \\(.verbs | join(","))"\'');
observe('exec allows create (the SPDY POST of kubectl ≤ 1.29) and get (the WebSocket GET of kubectl ≥ 1.30).');
await step('Subresources not built yet answer with a Status that says when they arrive.', ['kubectl', 'logs', 'web'], { expectExit: 1 });

section('Two requests and a 101');
await step('kubectl GETs the pod, then asks for the upgrade.', ['kubectl', '-v=6', 'exec', 'web', '--', 'date']);
observe('The exec URL carries PodExecOptions: command once per argument, container, and only the true flags.');
await step('Our kubectl makes the same two requests, and shows the subprotocol the server chose.', ours('-v=7', 'exec', 'web', '--', 'date'));

section('The channels, byte by byte');
await step('stdout on channel 1, then the Status on channel 3, then close 1000.', frames('web', '--', 'sh', '-c', 'echo hi; exit 3'));
await step('stdin on channel 0, and "ff 00" (v5) closes it: that is cat\'s EOF.', frames('--stdin=hello', 'web', '--', 'cat'));
await step('The same over v4.base64: text frames, an ASCII digit for the channel.', frames('--protocol=v4.base64.channel.k8s.io', 'web', '--', 'echo', 'hi'));
observe('The first message is an empty one on the lowest channel the server will write (01, or "1" in base64).');

section('Exit codes and errors');
await step('A non-zero exit: kubectl prints it and exits with it.', ['kubectl', 'exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 42'], { expectExit: 42 });
await step('Killed by a signal: 128 + 9.', ['kubectl', 'exec', 'web', '--', 'sh', '-c', 'kill -9 $$'], { expectExit: 137 });
await step('A command that cannot start is an InternalError, not an exit code.', ['kubectl', 'exec', 'web', '--', 'no-such-command'], { expectExit: 1 });
await step('An unknown container is refused before the upgrade.', ['kubectl', 'exec', 'web', '-c', 'nope', '--', 'date'], { expectExit: 1 });
await step('With WebSockets off, kubectl asks for SPDY, which arrives in chapter 8.', 'KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false kubectl exec web -- date', { expectExit: 1 });

section('Streams');
await step('stdin through cat, ended by EOF.', 'echo hello | kubectl exec -i web -- cat');
await step('The command runs in the pod\'s folder on the API server\'s host.', ['kubectl', 'exec', 'web', '--', 'pwd']);
await step('12 MB byte for byte: the same checksum outside and inside the pod.',
  'a=$(kubectl exec web -- sh -c \'head -c 12000000 /dev/urandom | tee blob\' | sha256sum | cut -c1-64); b=$(kubectl exec web -- sha256sum blob | cut -c1-64); echo "outside $a"; echo "inside  $b"');
observe('Chapter 3 moves the process to a node; everything you saw on the wire stays the same.');
await step('Clean up.', ['kubectl', 'delete', 'pod', 'web']);
