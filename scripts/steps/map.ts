// Chapter 0's walk (npm run steps 0): the whole story of `kubectl exec` against the final checkpoint.
import { step, observe, section, ours, waitUntil, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

section('What happens when you type kubectl exec');

await step('Create a pod, as any Kubernetes user would.', ['kubectl', 'run', 'web', '--image=nginx', '--restart=Never']);
await waitUntil('the kubelet reports the pod Running', ['kubectl', 'get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'], (out) => out.trim() === 'Running');
await step('It is bound to a node and running.', ['kubectl', 'get', 'pods', '-o', 'wide']);

await step('Exec, with kubectl printing each request it makes (-v=6).', ['kubectl', '-v=6', 'exec', 'web', '--', 'date']);
observe('Two requests. First a GET of the pod (kubectl reads its namespace, name and containers).\n'
  + 'Then a GET of pods/web/exec?command=date&container=web&stderr=true&stdout=true that the API server\n'
  + 'answers with 101 Switching Protocols: from here on the connection is a WebSocket carrying stdout,\n'
  + 'stderr and a final Status on numbered channels (v5.channel.k8s.io).');

await step('stdin travels the other way through every hop.', 'echo hello through every hop | kubectl exec -i web -- cat');
await step('The exit code comes back inside that final Status.', ['kubectl', 'exec', 'web', '--', 'sh', '-c', 'echo bye; exit 3'], { expectExit: 3 });
observe('kubectl printed "command terminated with exit code 3" and exited 3: the runtime saw the process exit,\n'
  + 'the streaming server wrote a NonZeroExitCode Status on channel 3, and the proxies passed it through.');

await step('The workbook\'s own kubectl speaks the same protocol.', ours('exec', 'web', '--', 'echo', 'hello from our kubectl'));

await step('Clean up.', ['kubectl', 'delete', 'pod', 'web']);
observe('Each chapter builds one of these hops. Start with chapter 1: npm run chapter 1');
