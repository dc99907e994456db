// The book: chapters in reading order, the files each introduces, and each chapter's checkpoint.
import type { Chapter, ComponentSpec, PlannedChapter } from './src/workbook/types.ts';

const apiserver = (entry: string, ...args: string[]): ComponentSpec =>
  ({ name: 'apiserver', entry, args: ['--port=0', ...args], probe: 'http' });

// From chapter 3 on: one scheduler (which also marks silent nodes NotReady after 4 s)...
const scheduler: ComponentSpec = {
  name: 'scheduler', entry: 'src/checkpoints/nodes/scheduler.ts',
  args: ['--apiserver=${apiserver.url}', '--node-monitor-grace-period=4s', '--node-monitor-period=1s'], probe: 'none',
};

// ...and two nodes. Each node is a kubelet, from chapter 4 on with a runtime shim on its own socket beside it.
const nodes = (kubeletEntry: string, shimEntry?: string): ComponentSpec[] => ['node-1', 'node-2'].flatMap((node) => {
  const kubelet: ComponentSpec = {
    name: `kubelet-${node}`, entry: kubeletEntry, probe: 'http',
    args: [`--node-name=${node}`, '--apiserver=${apiserver.url}', '--port=0', '--heartbeat-interval=1s'],
  };
  if (!shimEntry) return [kubelet];
  // A dead shim turns the node NotReady within seconds: the real kubelet's 5 s, 30 s and 3 min, scaled down.
  kubelet.args!.push(`--container-runtime-endpoint=unix://\${shim-${node}.socket}`,
    '--runtime-status-period=500ms', '--runtime-sync-threshold=3s', '--pleg-relist-threshold=18s');
  return [{ name: `shim-${node}`, entry: shimEntry, probe: 'socket' }, kubelet];
});

// Chapter 6's nodes: per node an engine (dockerd's role) on its own socket, the shim as dockershim driving it
// through the Docker API (--docker-endpoint, as cri-dockerd's flag), and the kubelet on the shim's socket.
const engineNodes = (): ComponentSpec[] => nodes('src/checkpoints/engine/kubelet.ts', 'src/checkpoints/engine/dockershim.ts').flatMap((c) => {
  const node = c.name.replace(/^(shim|kubelet)-/, '');
  if (!c.name.startsWith('shim-')) return [c];
  const engine: ComponentSpec = { name: `docker-${node}`, entry: 'src/checkpoints/engine/engine.ts', probe: 'socket' };
  return [engine, { ...c, args: [`--docker-endpoint=unix://\${docker-${node}.socket}`] }];
});

export const chapters: Chapter[] = [
  {
    number: 0,
    slug: 'map',
    title: 'The map',
    question: 'What happens when I type kubectl exec?',
    files: [],
    checkpoint: { same: 'streaming' },
    steps: 'scripts/steps/map.ts',
  },
  {
    number: 1,
    slug: 'pods',
    title: 'Pods and a minimal API server',
    question: 'What is the API server, minimally?',
    files: [
      'src/api/types.ts',
      'src/api/status.ts',
      'src/api/table.ts',
      'src/api/protobuf.ts',
      'src/util/wait.ts',
      'src/util/announce.ts',
      'src/util/flags.ts',
      'src/util/lifecycle.ts',
      'src/util/listen-backlog.ts',
      'src/apiserver/storage/interface.ts',
      'src/apiserver/storage/memory.ts',
      'src/apiserver/selectors/labels.ts',
      'src/apiserver/selectors/fields.ts',
      'src/apiserver/registry/validation.ts',
      'src/apiserver/registry/strategy.ts',
      'src/apiserver/registry/delete.ts',
      'src/apiserver/registry/store.ts',
      'src/apiserver/registry/pods.ts',
      'src/apiserver/registry/nodes.ts',
      'src/apiserver/registry/events.ts',
      'src/apiserver/registry/leases.ts',
      'src/apiserver/printers/duration.ts',
      'src/apiserver/printers/pods.ts',
      'src/apiserver/printers/nodes.ts',
      'src/apiserver/handlers/http.ts',
      'src/apiserver/request-log.ts',
      'src/util/raw-response.ts',
      'src/util/request-uri.ts',
      'src/apiserver/handlers/patch.ts',
      'src/apiserver/handlers/table.ts',
      'src/apiserver/handlers/watch.ts',
      'src/apiserver/handlers/resource.ts',
      'src/apiserver/subresources.ts',
      'src/apiserver/discovery.ts',
      'src/apiserver/openapi.ts',
      'src/apiserver/server.ts',
      'src/apiserver/run.ts',
      'src/checkpoints/pods/apiserver.ts',
      'src/client/klog.ts',
      'src/client/round-trippers.ts',
      'src/client/errors.ts',
      'src/client/kubeconfig.ts',
      'src/client/rest-client.ts',
      'src/client/watch-decoder.ts',
      'src/client/watch.ts',
      'src/kubectl/errors.ts',
      'src/kubectl/args.ts',
      'src/kubectl/factory.ts',
      'src/kubectl/discovery.ts',
      'src/kubectl/printers/table-printer.ts',
      'src/kubectl/printers/output.ts',
      'src/kubectl/cmd/version.ts',
      'src/kubectl/cmd/get.ts',
      'src/kubectl/cmd/run.ts',
      'src/kubectl/cmd/delete.ts',
      'src/kubectl/printers/tabwriter.ts',
      'src/kubectl/describe/writer.ts',
      'src/kubectl/describe/pod.ts',
      'src/kubectl/describe/node.ts',
      'src/kubectl/cmd/describe.ts',
      'src/kubectl/cmd/logs.ts',
      'src/kubectl/cmd/wait.ts',
      'src/kubectl/kubectl.ts',
      'src/kubectl/main.ts',
    ],
    checkpoint: {
      components: [apiserver('src/checkpoints/pods/apiserver.ts')],
      try: ['npm run kubectl -- run nginx --image=nginx', 'kubectl get po -o wide', 'kubectl get po nginx -o yaml', 'kubectl delete pod nginx'],
    },
    steps: 'scripts/steps/pods.ts',
  },
  {
    number: 2,
    slug: 'exec-subresource',
    title: 'The exec subresource',
    question: 'Where does exec enter the API?',
    files: [
      'src/exec/executor.ts',
      'src/apiserver/exec/backend.ts',
      'src/apiserver/exec/options.ts',
      'src/apiserver/exec/rest.ts',
      'src/kubectl/cmd/exec.ts',
      'src/remotecommand/protocols.ts',
      'src/remotecommand/codec.ts',
      'src/remotecommand/status.ts',
      'src/remotecommand/session.ts',
      'src/remotecommand/serve-exec.ts',
      'src/remotecommand/websocket-client.ts',
      'src/remotecommand/print-frames.ts',
      'src/exec/local.ts',
      'src/exec/bound-executor.ts',
      'src/apiserver/exec/local.ts',
      'src/checkpoints/exec-subresource/apiserver.ts',
    ],
    checkpoint: {
      components: [apiserver('src/checkpoints/exec-subresource/apiserver.ts')],
      try: ['kubectl run web --image=nginx', 'kubectl exec web -- date', 'echo hello | kubectl exec -i web -- cat'],
    },
    steps: 'scripts/steps/exec-subresource.ts',
  },
  {
    number: 3,
    slug: 'nodes',
    title: 'Nodes, the kubelet and the upgrade-aware proxy',
    question: 'How does the API server find the node?',
    files: [
      'src/proxy/http-head.ts',
      'src/proxy/credential-headers.ts',
      'src/proxy/held-client.ts',
      'src/proxy/upgrade-aware.ts',
      'src/proxy/ws-frames.ts',
      'src/proxy/lost-stream.ts',
      'src/apiserver/exec/kubelet.ts',
      'src/apiserver/registry/status.ts',
      'src/apiserver/registry/binding.ts',
      'src/kubelet/runtime.ts',
      'src/kubelet/exec-request.ts',
      'src/kubelet/env.ts',
      'src/kubelet/pod-status.ts',
      'src/exec/process-groups.ts',
      'src/kubelet/host-runtime.ts',
      'src/kubelet/reflector.ts',
      'src/kubelet/pod-manager.ts',
      'src/kubelet/runtime-state.ts',
      'src/kubelet/node-status.ts',
      'src/kubelet/node-lease.ts',
      'src/kubelet/duration.ts',
      'src/kubelet/server.ts',
      'src/kubelet/kubelet.ts',
      'src/kubelet/run-kubelet.ts',
      'src/scheduler/schedule.ts',
      'src/scheduler/scheduler.ts',
      'src/scheduler/mark-pods-not-ready.ts',
      'src/scheduler/node-lifecycle.ts',
      'src/scheduler/run-scheduler.ts',
      'src/checkpoints/nodes/apiserver.ts',
      'src/checkpoints/nodes/scheduler.ts',
      'src/checkpoints/nodes/kubelet.ts',
    ],
    checkpoint: {
      components: [
        apiserver('src/checkpoints/nodes/apiserver.ts'),
        scheduler,
        ...nodes('src/checkpoints/nodes/kubelet.ts'),
      ],
      // The pod asks for NODE_NAME through the downward API: no real node sets it by itself.
      try: ['kubectl get nodes',
        `kubectl run web --image=nginx --overrides='{"spec":{"containers":[{"name":"web","image":"nginx","env":[{"name":"NODE_NAME","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}}]}]}}'`,
        'kubectl get po -o wide', "kubectl exec web -- sh -c 'echo $NODE_NAME; pwd'", 'kubectl describe node node-1'],
    },
    steps: 'scripts/steps/nodes.ts',
  },
  {
    number: 4,
    slug: 'cri',
    title: 'The CRI: the kubelet talks gRPC to a runtime shim',
    question: 'How does the kubelet talk to a runtime?',
    files: [
      'src/cri/api.proto',
      'src/cri/proto.ts',
      'src/cri/grpc-status.ts',
      'src/cri/remote-runtime.ts',
      'src/cri/metrics.ts',
      'src/cri/instrumented.ts',
      'src/cri/crictl.ts',
      'src/shim/image-catalog.ts',
      'src/shim/records.ts',
      'src/shim/spawn.ts',
      'src/shim/process-runtime.ts',
      'src/shim/process-executor.ts',
      'src/shim/exec-sync.ts',
      'src/shim/streaming.ts',
      'src/shim/runtime-service.ts',
      'src/shim/shim.ts',
      'src/kubelet/cri-errors.ts',
      'src/kubelet/cri-exec.ts',
      'src/kubelet/cri-direct-exec.ts',
      'src/kubelet/cri-pod-status.ts',
      'src/kubelet/cri-runtime.ts',
      'src/kubelet/cri-wiring.ts',
      'src/checkpoints/cri/shim.ts',
      'src/checkpoints/cri/kubelet.ts',
    ],
    checkpoint: {
      components: [
        apiserver('src/checkpoints/nodes/apiserver.ts'),
        scheduler,
        ...nodes('src/checkpoints/cri/kubelet.ts', 'src/checkpoints/cri/shim.ts'),
      ],
      try: [
        'kubectl run web --image=nginx',
        'kubectl get po -o wide',
        'kubectl exec web -- sh -c \'echo $HOSTNAME; pwd\'',
        'node --import tsx src/cri/crictl.ts --runtime-endpoint unix://$(dirname $KUBECONFIG)/shim-node-1.sock ps',
      ],
    },
    steps: 'scripts/steps/cri.ts',
  },
  {
    number: 5,
    slug: 'streaming',
    title: 'The streaming server: why Exec returns a URL',
    question: 'Why does Exec return a URL?',
    files: [
      'src/streaming/request-cache.ts',
      'src/streaming/server.ts',
      'src/streaming/redirect-policy.ts',
      'src/shim/spawner.ts',
      'src/shim/spawn-helper.mjs',
      'src/shim/streaming-runtime.ts',
      'src/kubelet/cri-streaming-exec.ts',
      'src/checkpoints/streaming/apiserver.ts',
      'src/checkpoints/streaming/shim.ts',
      'src/checkpoints/streaming/kubelet.ts',
    ],
    checkpoint: {
      components: [
        apiserver('src/checkpoints/streaming/apiserver.ts'),
        scheduler,
        ...nodes('src/checkpoints/streaming/kubelet.ts', 'src/checkpoints/streaming/shim.ts'),
      ],
      try: [
        'kubectl run web --image=nginx',
        'kubectl -v=7 exec web -- date',
        'echo hello | kubectl exec -i web -- cat',
      ],
    },
    steps: 'scripts/steps/streaming.ts',
  },
  {
    number: 6,
    slug: 'engine',
    title: 'A container engine',
    question: 'What does docker exec actually do?',
    // In the order a reader meets them: the engine's codec and seams, the engine (A1's files are listed by the
    // engine's branch), then the shim's side: the CRI seam, the Docker client, exec, the CRI over the engine.
    files: [
      'src/engine/stdcopy.ts',
      'src/engine/backend.ts',
      'src/engine/image-store.ts',
      'src/shim/runtime.ts',
      'src/dockershim/docker-client.ts',
      'src/dockershim/libdocker.ts',
      'src/dockershim/exec.ts',
      'src/dockershim/naming.ts',
      'src/dockershim/docker-service.ts',
      'src/dockershim/dockershim.ts',
      'src/checkpoints/engine/engine.ts',
      'src/checkpoints/engine/apiserver.ts',
      'src/checkpoints/engine/dockershim.ts',
      'src/checkpoints/engine/kubelet.ts',
    ],
    checkpoint: {
      components: [
        apiserver('src/checkpoints/engine/apiserver.ts'),
        scheduler,
        ...engineNodes(),
      ],
      try: [
        'kubectl run nginx --image=nginx',
        'kubectl exec nginx -- ps',
        'DOCKER_HOST=unix://$(dirname $KUBECONFIG)/docker-node-1.sock docker ps',
        'DOCKER_HOST=unix://$(dirname $KUBECONFIG)/docker-node-1.sock docker exec $(DOCKER_HOST=unix://$(dirname $KUBECONFIG)/docker-node-1.sock docker ps -q -f label=io.kubernetes.container.name=nginx) hostname',
      ],
    },
    steps: 'scripts/steps/engine.ts',
  },
];

// The chapters still to come, in order. Kept apart from `chapters` so that everything iterating the book
// (checkpoints, listings, console blocks, the site) sees only what is written.
export const plannedChapters: PlannedChapter[] = [
  { number: 7, slug: 'tty', title: 'Terminals', question: 'How does -it become a terminal?' },
  { number: 8, slug: 'spdy', title: 'SPDY', question: 'What is the SPDY the old kubectl spoke?' },
  { number: 9, slug: 'security', title: 'Security', question: 'Who may exec?' },
  { number: 10, slug: 'siblings', title: 'Attach, logs, port-forward', question: 'Is exec special?' },
  { number: 11, slug: 'browser', title: 'A browser as the client', question: 'Can a web page be kubectl?' },
  { number: 12, slug: 'under-load', title: 'Under load', question: 'What breaks at scale?' },
];

export default chapters;
