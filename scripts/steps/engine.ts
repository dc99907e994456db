// Chapter 6's walk (npm run steps 6): pods are engine containers, the real docker CLI sees them, and one container
// is exec'd three ways: the docker CLI, CRI gRPC (crictl), kubectl.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { step, observe, section, waitUntil, ours, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

const stateDir = dirname(process.env.KUBECONFIG ?? '.');
const announced = (name: string) => JSON.parse(readFileSync(join(stateDir, `${name}.ready.json`), 'utf8')) as { socket: string; isolation?: string };

section('A pod is two engine containers');
await step('Create a pod.', ['kubectl', 'run', 'nginx', '--image=nginx']);
await waitUntil('it runs', ['kubectl', 'get', 'po', 'nginx', '-o', 'jsonpath={.status.phase}'], (out) => out.trim() === 'Running');
const node = (await step('Which node is it on?', ['kubectl', 'get', 'po', 'nginx', '-o', 'jsonpath={.spec.nodeName}{"\\n"}'])).output.trim();
const engine = announced(`docker-${node}`);
const dockerHost = `DOCKER_HOST=unix://${engine.socket}`;
await step('The real docker CLI, pointed at that node\'s engine.', `${dockerHost} docker ps`);
observe('Two containers for one pod: k8s_POD_… is the sandbox (the pause image), holding the namespaces the pod\'s\n'
  + 'containers share; k8s_nginx_… is the container the pod asked for. Their names carry the pod\'s name, namespace,\n'
  + 'uid and the attempt: that is how dockershim finds CRI metadata again in an engine that has none.');
await step('The labels dockershim put on them.', `${dockerHost} docker ps --format '{{.Names}}\\t{{.Label "io.kubernetes.docker.type"}}\\t{{.Label "io.kubernetes.pod.name"}}'`);

section('Inside the container');
await step('kubectl exec nginx -- ps', ['kubectl', 'exec', 'nginx', '--', 'ps']);
observe(engine.isolation === 'namespaces'
  ? 'PID 1 is the image\'s command, and ps sees nothing else: the container has its own pid namespace.'
  : 'This engine runs containers as host processes (not root, or no namespaces here): ps shows the host. As root on\n'
    + 'Linux the same command shows only the container\'s processes.');
const id = (await step('The app container\'s id.', `${dockerHost} docker ps -q --no-trunc -f label=io.kubernetes.container.name=nginx`)).output.trim();
const pid = (await step('Its init, as the host sees it.', `${dockerHost} docker inspect --format '{{.State.Pid}}' ${id}`)).output.trim();
await step('Its namespaces: compare them with this shell\'s.', `readlink /proc/${pid}/ns/pid /proc/${pid}/ns/uts /proc/${pid}/ns/mnt /proc/self/ns/pid /proc/self/ns/uts /proc/self/ns/mnt`);

section('One container, three ways in');
await step('1. The docker CLI: exec create, start (hijacked), inspect.', `${dockerHost} docker exec ${id} sh -c 'echo written by docker exec > marker; hostname'`);
const shim = `unix://${announced(`shim-${node}`).socket}`;
await step('2. CRI gRPC, as the kubelet would: ExecSync.', ['node', '--import', 'tsx', 'src/cri/crictl.ts', '--runtime-endpoint', shim, 'exec', '--sync', id, '--', 'cat', 'marker']);
await step('3. kubectl: API server, kubelet, CRI Exec, the streaming server, the engine.', ['kubectl', 'exec', 'nginx', '--', 'cat', 'marker']);
await step('Exit codes travel back through the engine\'s exec inspect.', ['kubectl', 'exec', 'nginx', '--', 'sh', '-c', 'exit 3'], { expectExit: 3 });
await step('Our kubectl takes the same path.', ours('exec', 'nginx', '--', 'sh', '-c', 'exit 3'), { expectExit: 3 });
observe('All three ran a process in the same container: dockershim turned the CRI calls into the same Docker API\n'
  + 'calls the docker CLI makes.');
await step('Clean up.', ['kubectl', 'delete', 'pod', 'nginx']);
