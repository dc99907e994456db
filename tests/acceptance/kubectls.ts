// The kubectls the exec scenarios run with: the bundled real ones beside the dispatcher, and ours.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../../src/workbook/checkpoint.ts';

// A kubectl to run the scenarios with: its argv before the arguments, and what it adds to the checkpoint's environment.
export interface ExecClient {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  // 'subset': output, exit codes, stdin EOF and a refusal's words (and -it once): each path covered at a fraction of the time.
  scenarios?: 'all' | 'subset';
}

// The bundled real kubectls sit beside the dispatcher (reference/machine.md): kubectl.1.27 … kubectl.1.33.
export const bundledKubectl = (version: string): string | undefined => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const found = dir && existsSync(join(dir, 'kubectl')) ? join(dirname(realpathSync(join(dir, 'kubectl'))), `kubectl.${version}`) : undefined;
    if (found) return existsSync(found) ? found : undefined;
  }
  return undefined;
};
// Ours, as `npm run kubectl` runs it (without npm in between).
export const ourKubectl = (): string[] => [process.execPath, '--import', 'tsx', join(repoRoot, 'src/kubectl/main.ts')];
