// The step-script API: narrate a step, run its command (zx, argv arrays), show the output a reader would see.
// Used by scripts/steps/<slug>.ts, which `npm run steps <n|slug>` runs with KUBECONFIG set to the checkpoint's.
//
// API (for chapter authors):
//
//   import { step, observe, section, ours, waitUntil, startFromKnownState } from './lib.ts';
//
//   await startFromKnownState();                     // first: the checkpoint healthy, no pods or namespaces left
//                                                    // by the chapter's commands or an earlier walk (known-state.ts)
//   section('Exec, end to end');                     // a heading
//   await step('Create a pod.', ['kubectl', 'run', 'web', '--image=nginx']);
//                                                    // prints the narration, `$ kubectl run web --image=nginx`,
//                                                    // then the output as it arrives (stdout and stderr merged),
//                                                    // and `(exit 1)` when the command fails. Returns
//                                                    // { output, exitCode }. A step must exit 0, or the code
//                                                    // given as { expectExit } (a step that shows an error):
//                                                    // otherwise the walk stops there, naming the step, and
//                                                    // `npm run steps` exits 1.
//   await step('Pipes need a shell line.', 'echo hello | kubectl exec -i web -- cat');
//                                                    // a string is one bash command line; prefer argv arrays
//   await step('Our kubectl.', ours('get', 'po'));   // ours(...) = ['npm', 'run', '-s', 'kubectl', '--', ...]
//   await waitUntil('the pod runs', ['kubectl', 'get', 'po', 'web', '-o', 'jsonpath={.status.phase}'],
//                   (out) => out.trim() === 'Running');   // polls quietly with a deadline, never a bare sleep
//   observe('Two requests: a GET of the pod, then the upgrade answered 101.');
//                                                    // what to notice, printed as a note
//
// Commands run in the repository root with the environment `npm run steps` set (KUBECONFIG, KUBECACHEDIR), so
// `kubectl` is the real one and `ours(...)` is the workbook's.
import { $, chalk } from 'zx';
import { waitFor } from '../../src/util/wait.ts';
export { startFromKnownState } from './known-state.ts';

export interface StepResult { output: string; exitCode: number }
export interface StepOptions { expectExit?: number; input?: string; timeoutMs?: number }

$.verbose = false;

const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? chalk.bold(s) : s);
const dim = (s: string) => (tty ? chalk.dim(s) : s);
const cyan = (s: string) => (tty ? chalk.cyan(s) : s);

let count = 0;
let current = '';

// A step that did not do what the walk needs: the walk stops, and the reader learns which step and why.
export class StepFailed extends Error {}

// Whatever ends the walk early is reported once, naming the step, and makes the script exit 1 (npm run steps too).
process.on('uncaughtException', (err) => {
  const where = err instanceof StepFailed ? '' : count ? `after step ${count} (${current}): ` : 'before the first step: ';
  // The message says what went wrong; a stack helps only whoever edits a step script (STEPS_DEBUG=1).
  const detail = process.env.STEPS_DEBUG ? err.stack ?? err.message : err.message;
  console.error(`\n${tty ? chalk.red('steps: failed') : 'steps: failed'}: ${where}${detail}`);
  process.exitCode = 1;
});

export function ours(...args: string[]): string[] {
  return ['npm', 'run', '-s', 'kubectl', '--', ...args];
}

// How a command is shown: argv elements quoted only where a shell would need it.
export function display(command: string[] | string): string {
  if (typeof command === 'string') return command;
  return command.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export function section(title: string): void {
  console.log(`\n${bold(`== ${title} ==`)}`);
}

export function observe(text: string): void {
  console.log(`${cyan('→')} ${text.replace(/\n/g, '\n  ')}`);
}

function run(command: string[] | string, opts: StepOptions, echo: boolean) {
  const shell = $({ nothrow: true, quiet: true, input: opts.input, timeout: opts.timeoutMs ? `${opts.timeoutMs}ms` : undefined });
  // zx quotes each argv element itself; `2>&1` merges stderr so output reads as in a terminal.
  const p = typeof command === 'string' ? shell`bash -c ${`exec 2>&1\n${command}`}` : shell`${command} 2>&1`;
  if (echo) p.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  return p;
}

export async function step(narration: string, command: string[] | string, opts: StepOptions = {}): Promise<StepResult> {
  count++;
  current = narration;
  console.log(`\n${bold(`${count}.`)} ${narration}`);
  console.log(dim(`$ ${display(command)}`));
  const out = await run(command, opts, true);
  const exitCode = out.exitCode ?? 1;
  if (exitCode !== 0) console.log(dim(`(exit ${exitCode})`));
  const expected = opts.expectExit ?? 0;
  if (exitCode !== expected) {
    throw new StepFailed(`step ${count} (${narration}) exited ${exitCode}, expected ${expected}: $ ${display(command)}`);
  }
  return { output: out.stdout, exitCode };
}

export async function waitUntil(what: string, command: string[] | string, ok: (output: string) => boolean, timeoutMs = 60_000): Promise<string> {
  console.log(dim(`… waiting until ${what}`));
  let last = '';
  try {
    return await waitFor(async () => {
      const out = await run(command, {}, false);
      last = out.stdout.trim();
      return ok(out.stdout) ? out.stdout : undefined;
    }, { timeoutMs, intervalMs: 200, what });
  } catch {
    throw new StepFailed(`after step ${count} (${current}): ${what} did not happen within ${timeoutMs / 1000} s; `
      + `$ ${display(command)} last printed: ${last || '(nothing)'}`);
  }
}
