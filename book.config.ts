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
];

export default chapters;
