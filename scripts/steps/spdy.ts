// Chapter 8's walk (npm run steps 8): the article's SPDY POST and its 101 from kubectl 1.27, a real session's SPDY frames
// decoded by a tap (scripts/spdy-tap.ts), and kubectl 1.30+'s WebSocket that the API server translates to SPDY.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { step, observe, section, waitUntil, ours, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

// The bundled kubectls sit beside the dispatcher (`kubectl` on PATH): kubectl.1.27 … kubectl.1.33.
const onPath = (process.env.PATH ?? '').split(':').map((d) => join(d, 'kubectl')).find((f) => existsSync(f));
const bundled = (v: string) => {
  const bin = onPath && join(dirname(realpathSync(onPath)), `kubectl.${v}`);
  return bin && existsSync(bin) ? bin : undefined;
};
const tap = (...command: string[]) => ['node', '--import', 'tsx', 'scripts/spdy-tap.ts', '--', ...command];
const stateDir = dirname(process.env.KUBECONFIG ?? '.');
const announced = (name: string) => JSON.parse(readFileSync(join(stateDir, `${name}.ready.json`), 'utf8')) as { url: string };

section('A pod');
await step('Create the article\'s pod.', ['kubectl', 'run', 'nginx', '--image=nginx']);
await waitUntil('it runs', ['kubectl', 'get', 'po', 'nginx', '-o', 'jsonpath={.status.phase}'], (out) => out.trim() === 'Running');

const k127 = bundled('1.27');
const k129 = bundled('1.29');
section('The article\'s request: kubectl 1.27');
if (!k127) observe('kubectl 1.27 is not installed beside the dispatcher here: this section is skipped (the book\'s CI has it).');
else {
  await step('kubectl 1.27 with its request log: the GET of the pod, then the exec POST.', [k127, '-v=7', 'exec', 'nginx', '--', 'date']);
  observe('A POST, not a GET, with Upgrade: SPDY/3.1 and four X-Stream-Protocol-Version lines, v4 first: the\n'
    + 'remotecommand versions kubectl 1.27 speaks, in its order of preference. The answer, 101 Switching Protocols,\n'
    + 'names the one chosen. The article saw the same two requests from kubectl 1.15.');
}

section('SPDY frames on the wire: kubectl 1.29');
if (!k129) observe('kubectl 1.29 is not installed beside the dispatcher here: this section is skipped (the book\'s CI has it).');
else {
  await step('kubectl 1.29 through a tap that relays the bytes and prints each frame, both ways (→ to the server).',
    [...tap(k129, 'exec', '-i', 'nginx', '--', 'sh', '-c', 'cat; echo to-stderr >&2; exit 3')], { input: 'hello\n', expectExit: 3 });
  observe('After the 101, one TCP connection carries four streams, each opened by a SYN_STREAM that kubectl sends with\n'
    + 'a streamtype header (error first, then stdin, stdout, stderr) and accepted by a SYN_REPLY. DATA frames carry\n'
    + 'the bytes; stdin\'s empty DATA with FIN is the end of the input (cat ends); the error stream carries the v4\n'
    + 'Status with the exit code. Stream ids are odd: the client opened them. At the end the server resets what is\n'
    + 'open and says GOAWAY.');
}

section('kubectl 1.30 and later: a WebSocket, translated');
await step('The dispatcher\'s kubectl (1.32) through the same tap.', tap('kubectl', 'exec', 'nginx', '--', 'date'));
observe('A GET with Upgrade: websocket and v5.channel.k8s.io: no SPDY between kubectl and the API server. The API\n'
  + 'server\'s StreamTranslator ends the WebSocket and opens a SPDY connection of its own to the kubelet (a POST\n'
  + 'offering v5 to v1, as kubectl 1.29 did above): from the kubelet on, the chain is the one kubectl 1.29 uses.');
const node = (await step('Which node runs nginx?', ['kubectl', 'get', 'po', 'nginx', '-o', 'jsonpath={.spec.nodeName}{"\\n"}'])).output.trim();
const kubelet = announced(`kubelet-${node}`).url;
await step('The other side of the translator: what it sends that kubelet, made here by hand with the translator\'s own SPDY\n'
  + 'client (streamExecSpdy), through the tap.',
  ['node', '--import', 'tsx', 'scripts/spdy-tap.ts', `--upstream=${kubelet}`, '--env-only', '--',
    'node', '--import', 'tsx', 'scripts/spdy-exec.ts', kubelet, 'default/nginx/nginx', '--', 'date']);
observe('The kubelet\'s own path, /exec/default/nginx/nginx, and the same POST, streams and frames as kubectl 1.29\'s: the\n'
  + 'kubelet proxies it to the runtime\'s streaming server, which chose v4. In the checkpoint\'s terminal the API server\n'
  + 'logs each translated exec: `exec default/nginx → translated: WebSocket v5 here, SPDY to kubelet …`.');
await step('The same kubectl, told not to use WebSockets: SPDY all the way.',
  `KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false ${tap('kubectl', 'exec', 'nginx', '--', 'date').join(' ')}`);
await step('Our kubectl: WebSocket first, as client-go\'s FallbackExecutor.', ours('exec', 'nginx', '--', 'echo', 'hello over WebSocket'));
await step('Our kubectl on SPDY.', `KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false npm run -s kubectl -- exec nginx -- echo hello over SPDY`);

section('A refusal after the translator\'s 101');
// Two containers, one of them done: the pod runs (kubectl refuses to exec into a completed pod itself), the container not.
const twoContainers = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'two' }, spec: { restartPolicy: 'Never', containers: [
  { name: 'web', image: 'nginx' }, { name: 'done', image: 'busybox', command: ['sh', '-c', 'exit 0'] }] } });
await step('A pod whose second container has already finished.', ['kubectl', 'create', '-f', '-'], { input: twoContainers });
await waitUntil('its "done" container has exited', ['kubectl', 'get', 'po', 'two', '-o', 'jsonpath={.status.phase} {.status.containerStatuses[?(@.name=="done")].state.terminated.reason}'],
  (out) => out.trim() === 'Running Completed');
await step('Through the translator: the kubelet\'s answer comes back on the error channel, wrapped as an InternalError.',
  ['kubectl', 'exec', 'two', '-c', 'done', '--', 'date'], { expectExit: 1 });
if (k129) await step('On SPDY the same answer is the upgrade\'s refusal itself.', [k129, 'exec', 'two', '-c', 'done', '--', 'date'], { expectExit: 1 });
observe('The kubelet looks for the container among the running ones and answers 500 "container not found". kubectl\n'
  + '1.29 sees that answer to its POST. kubectl 1.32 had its 101 from the API server before the translator asked the\n'
  + 'kubelet; the translator turns the refusal into a Status on channel 3, so kubectl prints it instead of retrying\n'
  + 'over SPDY, where the real cause would be hidden behind a second error.');
await step('Clean up.', ['kubectl', 'delete', 'pod', 'nginx', 'two']);
