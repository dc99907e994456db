// Chapter 5's walk (npm run steps 5): CRI Exec returns a token URL, the kubelet proxies to it, the token works once.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { step, observe, section, waitUntil, ours, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

const stateDir = dirname(process.env.KUBECONFIG ?? '.');
const announced = (name: string) => JSON.parse(readFileSync(join(stateDir, `${name}.ready.json`), 'utf8')) as { url: string; socket: string; pid: number; streamingURL: string };

section('The whole chain');
await step('Create a pod.', ['kubectl', 'run', 'web', '--image=nginx']);
await waitUntil('it runs', ['kubectl', 'get', 'po', 'web', '-o', 'jsonpath={.status.phase}'], (out) => out.trim() === 'Running');
await step('Where does it run?', ['kubectl', 'get', 'po', 'web', '-o', 'wide']);
await step('Exec, with kubectl\'s request log (-v=7).', ['kubectl', '-v=7', 'exec', 'web', '--', 'date']);
observe('Two requests from kubectl: the GET of the pod, then the upgrade answered 101. That 101 was written by the\n'
  + 'shim\'s streaming server: the kubelet asked CRI Exec for a URL and proxied the upgrade to it, and the API server\n'
  + 'proxied it to the kubelet.');
await step('stdin, stdout, exit codes: unchanged for kubectl.', 'echo hello | kubectl exec -i web -- sh -c \'cat; exit 3\'', { expectExit: 3 });
await step('Our kubectl takes the same path.', ours('exec', 'web', '--', 'echo', 'hello from our kubectl'));

section('The URL and its token');
const node = (await step('Which node is web on?', ['kubectl', 'get', 'po', 'web', '-o', 'jsonpath={.spec.nodeName}{"\\n"}'])).output.trim();
const shim = `unix://${announced(`shim-${node}`).socket}`;
const cc = (...args: string[]) => ['node', '--import', 'tsx', 'src/cri/crictl.ts', '--runtime-endpoint', shim, ...args].join(' ');
await step('Ask the shim for a URL, as the kubelet does, and use it.', `${cc('exec', '--show-url')} $(${cc('ps', '-q', '--name=web')}) -- echo hello from the streaming server`);
observe('The URL is the streaming server\'s, on loopback, with 128 random bits in the token. In the checkpoint\'s\n'
  + 'terminal, the shim logs each use as `[shim-node-N] GET /exec/abcd…: exec in <container>`: only the token\'s\n'
  + 'first characters.');
await step('A guessed token: 404.', `curl -s -o /dev/null -w '%{http_code}\\n' '${announced(`shim-${node}`).streamingURL}exec/AAAAAAAAAAAAAAAAAAAAAA'`);
await step('A used token: 404, the same answer.',
  `URL=$(${cc('exec', '--show-url')} $(${cc('ps', '-q', '--name=web')}) -- true | sed -n 's/^URL: //p'); curl -s -o /dev/null -w '%{http_code}\\n' "$URL"`);
await step('Exec into a container the shim does not know: it refuses before any URL exists.', `${cc('exec')} 0123456789abcdef -- date`, { expectExit: 1 });

section('What the kubelet counts');
const kubelet = announced(`kubelet-${node}`).url;
await step('Each kubectl exec was one CRI Exec call.', `curl -s ${kubelet}/metrics | grep '^kubelet_runtime_operations_total{operation_type="exec"}'`);
observe('In chapter 4 this line did not exist: the kubelet ran exec itself. Now every kubectl exec costs one gRPC call\n'
  + 'and one token (the crictl execs above went to the shim directly, so the kubelet did not count them).');
await step('Clean up.', ['kubectl', 'delete', 'pod', 'web']);
