// `npm run kubectl -- <args>`: our kubectl, pointed at the running checkpoint unless KUBECONFIG or --kubeconfig says otherwise.
import { findRunningCheckpoints } from '../src/workbook/checkpoint.ts';

if (!process.env.KUBECONFIG && !process.argv.some((a) => a.startsWith('--kubeconfig'))) {
  const [newest] = findRunningCheckpoints();
  if (newest) process.env.KUBECONFIG = newest.kubeconfig;
}
await import('../src/kubectl/main.ts');
