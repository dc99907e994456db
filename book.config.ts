// The book: chapters in reading order, the files each introduces, and each chapter's checkpoint.
import type { Chapter, ComponentSpec } from './src/workbook/types.ts';

const apiserver = (entry: string, ...args: string[]): ComponentSpec =>
  ({ name: 'apiserver', entry, args: ['--port=0', ...args], probe: 'http' });

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
      'src/api/status.ts',
      'src/util/wait.ts',
      'src/util/announce.ts',
      'src/util/flags.ts',
      'src/util/lifecycle.ts',
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
    files: ['src/exec/executor.ts'],
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
      'src/proxy/raw-response.ts',
      'src/proxy/upgrade-aware.ts',
      'src/apiserver/exec/kubelet.ts',
      'src/kubelet/runtime.ts',
      'src/kubelet/exec-request.ts',
      'src/kubelet/pod-status.ts',
      'src/kubelet/host-runtime.ts',
      'src/kubelet/reflector.ts',
      'src/kubelet/pod-manager.ts',
      'src/kubelet/node-status.ts',
      'src/kubelet/duration.ts',
      'src/kubelet/server.ts',
      'src/kubelet/kubelet.ts',
      'src/kubelet/run-kubelet.ts',
      'src/scheduler/schedule.ts',
      'src/scheduler/scheduler.ts',
      'src/scheduler/node-lifecycle.ts',
      'src/scheduler/run-scheduler.ts',
      'src/checkpoints/nodes/apiserver.ts',
      'src/checkpoints/nodes/scheduler.ts',
      'src/checkpoints/nodes/kubelet.ts',
    ],
    checkpoint: {
      components: [
        apiserver('src/checkpoints/nodes/apiserver.ts'),
        { name: 'scheduler', entry: 'src/checkpoints/nodes/scheduler.ts', args: ['--apiserver=${apiserver.url}', '--node-monitor-grace-period=4s', '--node-monitor-period=1s'], probe: 'none' },
        { name: 'kubelet-node-1', entry: 'src/checkpoints/nodes/kubelet.ts', args: ['--node-name=node-1', '--apiserver=${apiserver.url}', '--port=0', '--heartbeat-interval=1s'], probe: 'http' },
        { name: 'kubelet-node-2', entry: 'src/checkpoints/nodes/kubelet.ts', args: ['--node-name=node-2', '--apiserver=${apiserver.url}', '--port=0', '--heartbeat-interval=1s'], probe: 'http' },
      ],
      try: ['kubectl get nodes', 'kubectl run web --image=nginx', 'kubectl get po -o wide', "kubectl exec web -- sh -c 'echo $NODE_NAME; pwd'"],
    },
    steps: 'scripts/steps/nodes.ts',
  },
];

export default chapters;
