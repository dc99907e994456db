// `npm run kubectl -- <args>`: our kubectl, pointed at the running checkpoint unless KUBECONFIG or --kubeconfig says otherwise.
// With two checkpoints running it takes the newest and says so on stderr, so the reader knows which cluster answered.
import { relative } from 'node:path';
import { findRunningCheckpoints } from '../src/workbook/checkpoint.ts';

if (!process.env.KUBECONFIG && !process.argv.some((a) => a.startsWith('--kubeconfig'))) {
  const running = findRunningCheckpoints();
  const [newest] = running;
  if (newest) process.env.KUBECONFIG = newest.kubeconfig;
  if (running.length > 1) {
    const shown = (path: string) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path));
    const others = running.slice(1).map((r) => `"${r.slug}" (KUBECONFIG=${shown(r.kubeconfig)})`).join(', ');
    console.error(`kubectl: ${running.length} checkpoints are running; using the newest, "${newest!.slug}"; for ${others} set KUBECONFIG`);
  }
}
await import('../src/kubectl/main.ts');
