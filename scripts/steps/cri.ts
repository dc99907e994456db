// Chapter 4's walk (npm run steps 4): pods through CRI to a shim, status read back, ExecSync, metrics, a dead shim.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { step, observe, section, waitUntil, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

const stateDir = dirname(process.env.KUBECONFIG ?? '.');
const announced = (name: string) => JSON.parse(readFileSync(join(stateDir, `${name}.ready.json`), 'utf8')) as { url: string; socket: string; pid: number };
const shim1 = `unix://${announced('shim-node-1').socket}`;
const crictl = (...args: string[]) => ['node', '--import', 'tsx', 'src/cri/crictl.ts', '--runtime-endpoint', shim1, ...args];

section('A runtime behind a socket');
await step('The shim answers CRI Version, as it does for the kubelet at start-up.', crictl('version'));
observe('runtime_api_version v1: the kubelet and the shim agree on runtime.v1, the only CRI version Kubernetes speaks today.');

section('A pod through CRI');
await step('Create a pod.', ['kubectl', 'run', 'web', '--image=nginx']);
await waitUntil('the kubelet reports it Running', ['kubectl', 'get', 'po', 'web', '-o', 'jsonpath={.status.phase}'], (out) => out.trim() === 'Running');
await step('It runs on a node; the kubelet read its status back from ContainerStatus.', ['kubectl', 'get', 'po', '-o', 'wide']);
await step('The shim\'s view: one sandbox per pod.', crictl('pods'));
await step('And one container in it, a process of its own.', crictl('ps'));
await step('The container ID names the runtime.', ['kubectl', 'get', 'po', 'web', '-o', 'jsonpath={.status.containerStatuses[0].containerID}{"\\n"}']);

section('Exec, still run by the kubelet');
await step('The command runs in the container\'s folder, with the image\'s environment.', ['kubectl', 'exec', 'web', '--', 'sh', '-c', 'echo $HOSTNAME $NGINX_VERSION; pwd']);
await step('ExecSync: the CRI\'s non-streaming exec, as `crictl exec --sync` makes it.',
  `${crictl().join(' ')} exec --sync $(${crictl('ps', '-q', '--name=web').join(' ')}) -- sh -c 'echo from ExecSync; exit 3'; echo "exit $?"`);
await step('Exec over CRI is chapter 5\'s: the shim says so.', `${crictl().join(' ')} exec $(${crictl('ps', '-q', '--name=web').join(' ')}) -- date`, { expectExit: 1 });

section('How containers end');
await step('A container that finishes.', ['kubectl', 'run', 'done', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo finished']);
await step('A container that fails.', ['kubectl', 'run', 'fail', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'exit 3']);
await waitUntil('both have ended', ['kubectl', 'get', 'po', 'done', 'fail', '-o', 'jsonpath={.items[*].status.phase}'], (out) => out.trim() === 'Succeeded Failed');
await step('STATUS is the terminated container\'s reason: Completed for 0, Error otherwise.', ['kubectl', 'get', 'po', 'done', 'fail']);
await step('The exit code came from ContainerStatus.', ['kubectl', 'get', 'po', 'fail', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated}{"\\n"}']);
await step('An image outside the catalog cannot be pulled.', ['kubectl', 'run', 'nope', '--image=no-such-image']);
await waitUntil('the kubelet reports ErrImagePull', ['kubectl', 'get', 'po', 'nope', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'], (out) => out.trim() === 'ErrImagePull');
await step('The reason, and the runtime\'s words.', ['kubectl', 'get', 'po', 'nope', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting}{"\\n"}']);

section('What the kubelet counts');
const kubelet1 = announced('kubelet-node-1').url;
await step('Every CRI call is counted and timed by instrumentedRuntimeService.', `curl -s ${kubelet1}/metrics | grep '^kubelet_runtime_operations_total'`);
await step('And failures by operation.', `curl -s ${kubelet1}/metrics | grep '^kubelet_runtime_operations_errors_total' || echo '(no errors yet)'`);

section('A shim dies');
const onNode1 = (await step('Which pods run on node-1?', ['kubectl', 'get', 'po', '--field-selector=spec.nodeName=node-1', '-o', 'jsonpath={.items[*].metadata.name}{"\\n"}'])).output.trim().split(/\s+/).filter(Boolean);
observe('The supervisor restarts a runtime that crashes, as systemd does: stop it on purpose to keep it down.');
await step('Kill node-1\'s shim through the supervisor, so that it stays down.', ['npm', 'run', '-s', 'component', '--', 'stop', 'shim-node-1', '--signal=SIGKILL']);
if (onNode1.includes('web')) {
  await step('Exec into a pod on node-1: the error names the kubelet, then the runtime shim.', ['kubectl', 'exec', 'web', '--', 'date'], { expectExit: 1 });
}
await step('The kubelet counted the failures.', `curl -s ${kubelet1}/metrics | grep '^kubelet_runtime_operations_errors_total' | head -3`);
await waitUntil('node-1 to turn NotReady', ['kubectl', 'get', 'node', 'node-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (out) => out.trim() === 'False');
await step('The kubelet noticed: its runtime has not answered Status for 3 s.', ['kubectl', 'get', 'nodes']);
await step('The Ready condition says why, as a real kubelet does.', ['kubectl', 'get', 'node', 'node-1', '-o', 'jsonpath={range .status.conditions[?(@.type=="Ready")]}{.status} {.reason}: {.message}{"\\n"}{end}']);
observe('The kubelet is alive and says so itself: Ready=False, KubeletNotReady, "container runtime is down".\n'
  + 'It syncs no pod until the runtime is back, so the pods keep the last status it wrote.');
await step('Start it again, on the same socket.', ['npm', 'run', '-s', 'component', '--', 'start', 'shim-node-1']);
observe('The kubelet\'s gRPC channel reconnects, node-1 turns Ready, the PLEG sees the containers the crash ended\n'
  + '(exit code 137), and the kubelet starts them again.');
await waitUntil('node-1 is Ready again', ['kubectl', 'get', 'node', 'node-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (out) => out.trim() === 'True');
await step('The pods, once node-1 is back: the kubelet restarts what died with the shim.', ['kubectl', 'get', 'po', '-o', 'wide']);
await step('Clean up.', ['kubectl', 'delete', 'pod', 'web', 'done', 'fail', 'nope']);
