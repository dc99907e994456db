// Chapter 3's walk (npm run steps 3): two nodes, the scheduler's bindings, and an exec that lands on the pod's node.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { step, observe, section, waitUntil, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

const stateDir = dirname(process.env.KUBECONFIG ?? '.');
const announced = (name: string) => JSON.parse(readFileSync(join(stateDir, `${name}.ready.json`), 'utf8')) as { url: string; pid: number };

section('Two kubelets, two nodes');
await step('Each kubelet registered its Node and keeps it Ready with heartbeats.', ['kubectl', 'get', 'nodes', '-o', 'wide']);
await step('A Node says how to reach its kubelet: its addresses and the kubelet port.',
  ['kubectl', 'get', 'node', 'node-1', '-o', 'jsonpath={.status.addresses}{"\\n"}{.status.daemonEndpoints}{"\\n"}']);
observe('ExecLocation reads exactly these two fields: the first address of a preferred type, and kubeletEndpoint.Port.');

section('The scheduler binds, the kubelet runs');
// Each pod asks for its node's name through the downward API (a real node sets no NODE_NAME by itself).
const nodeNameEnv = (name: string) => `--overrides=${JSON.stringify({ spec: { containers: [{ name, image: 'nginx', env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] }] } })}`;
await step('Create two pods, each with NODE_NAME from spec.nodeName.', ['kubectl', 'run', 'web', '--image=nginx', nodeNameEnv('web')]);
await step('A second pod: node-2 has fewer pods now.', ['kubectl', 'run', 'api', '--image=nginx', nodeNameEnv('api')]);
await waitUntil('both kubelets report their pod Running', ['kubectl', 'get', 'po', '-o', 'jsonpath={.items[*].status.phase}'], (out) => out.trim() === 'Running Running');
await step('One pod per node: the scheduler picked the node with the fewest pods.', ['kubectl', 'get', 'po', '-o', 'wide']);
await step('The binding set spec.nodeName once; the kubelet wrote the status.', ['kubectl', 'get', 'po', 'web', '-o', 'jsonpath={.spec.nodeName} {.status.conditions[*].type}{"\\n"}']);

section('Exec lands on the pod\'s node');
await step('The command itself says where it runs.', ['kubectl', 'exec', 'web', '--', 'sh', '-c', 'echo $NODE_NAME; pwd']);
await step('The other pod runs on the other node, in a folder of its own.', ['kubectl', 'exec', 'api', '--', 'sh', '-c', 'echo $NODE_NAME; pwd']);
await step('kubectl -v=6 shows its two requests; the third (API server → kubelet) is the API server\'s own.', ['kubectl', '-v=6', 'exec', 'api', '--', 'true']);
observe('The 101 kubectl received was written by the kubelet of node-2 and relayed by the upgrade-aware proxy.');
await step('stdin and exit codes cross both hops.', 'echo hello through the proxy | kubectl exec -i api -- cat');
await step('The exit code travels back inside the final Status.', ['kubectl', 'exec', 'web', '--', 'sh', '-c', 'echo bye; exit 3'], { expectExit: 3 });

section('The kubelet\'s front door');
const kubelet1 = announced('kubelet-node-1').url;
await step('/pods lists what the kubelet holds.', `curl -s ${kubelet1}/pods | jq -r '.items[] | .metadata.namespace + "/" + .metadata.name'`);
// The kubelet answers these in its own words, plain text or not: show the body as it is, then the status code.
await step('A plain GET of an exec route goes as far as GetExec, then is refused: exec needs an upgrade.', `curl -s -w ' (%{http_code})\\n' '${kubelet1}/exec/default/web/web?command=date&output=1'`);
await step('No stream asked for: the kubelet\'s own words, in plain text (it is not an API server).', `curl -s -w ' (%{http_code})\\n' -H 'Connection: Upgrade' -H 'Upgrade: websocket' '${kubelet1}/exec/default/web/web?command=date'`);
await step('The same through the API server: the kubelet\'s 400 is relayed, then both connections close (CVE-2018-1002105).', `curl -s -D - -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')/api/v1/namespaces/default/pods/web/exec?command=date"; echo`);

section('ExecLocation says no');
await step('Cordon both nodes: the scheduler has nowhere to put a new pod.', ['kubectl', 'cordon', 'node-1', 'node-2']);
await step('A pod that waits for a node.', ['kubectl', 'run', 'waiting', '--image=nginx']);
await step('Exec into it: the API server refuses before any kubelet is asked.', ['kubectl', 'exec', 'waiting', '--', 'date'], { expectExit: 1 });
observe('400 from ExecLocation: no spec.nodeName, so there is no kubelet to proxy to.');
await step('Clean up.', ['kubectl', 'delete', 'pod', 'waiting']);
await step('Make both nodes schedulable again.', ['kubectl', 'uncordon', 'node-1', 'node-2']);

section('A node dies');
observe('The supervisor restarts a kubelet that crashes, as systemd does on a real node: a plain kill -9 would be undone in a second.');
await step('Kill node-2\'s kubelet on purpose, through the supervisor, so that it stays down.', ['npm', 'run', '-s', 'component', '--', 'stop', 'kubelet-node-2', '--signal=SIGKILL']);
await step('Exec into its pod: the error names the hop that failed.', ['kubectl', 'exec', 'api', '--', 'date'], { expectExit: 1 });
await step('The API server still serves the other node.', ['kubectl', 'exec', 'web', '--', 'echo', 'still serving']);
await waitUntil('the node lifecycle controller marks node-2 NotReady', ['kubectl', 'get', 'node', 'node-2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (out) => out.trim() === 'Unknown');
await step('Nobody told the API server: it concluded it from the silence.', ['kubectl', 'get', 'nodes']);
await step('The condition says why.', ['kubectl', 'get', 'node', 'node-2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}{"\\n"}']);
observe('The rest of the checkpoint keeps running without node-2.');
await step('Bring the kubelet back: same port, so the Node object still leads to it.', ['npm', 'run', '-s', 'component', '--', 'start', 'kubelet-node-2']);
await waitUntil('node-2 turns Ready again', ['kubectl', 'get', 'node', 'node-2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (out) => out.trim() === 'True');
await step('Its pod is reachable again.', ['kubectl', 'exec', 'api', '--', 'echo', 'back']);
await step('Each component\'s state, pid and restarts.', ['npm', 'run', '-s', 'component', '--', 'list']);

await step('Clean up.', ['kubectl', 'delete', 'pod', 'web', 'api', '--wait=false']);
