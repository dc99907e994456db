// Chapter 7's walk (npm run steps 7): the article's `kubectl exec -it nginx -- /bin/bash`, typed into a real terminal.
// tmux plays the reader's terminal: the walk starts kubectl in a tmux window of its own, types into it, reads the
// screen, resizes the window, and checks kubectl's exit code. Watch it with the `tmux -L … attach` line it prints.
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { step, observe, section, waitUntil, startFromKnownState } from './lib.ts';

await startFromKnownState();

// A tmux server of the walk's own (-L), so the reader's tmux sessions are never touched, named after the checkpoint's
// state folder, so that walks of two checkouts (or two checkpoints) at once do not share one.
const server = `ike-tty-${createHash('sha256').update(resolve(dirname(process.env.KUBECONFIG ?? '.'))).digest('hex').slice(0, 8)}`;
const tmux = (...args: string[]) => ['tmux', '-L', server, ...args];
const screen = tmux('capture-pane', '-p', '-J', '-t', 'tty');
// The text typed as it is (-l), then the Enter key.
const type = (keys: string) => step(`Type \`${keys}\` and Enter.`, tmux('send-keys', '-t', 'tty', '-l', keys, ';', 'send-keys', '-t', 'tty', 'Enter'));
const press = (key: string, what: string) => step(what, tmux('send-keys', '-t', 'tty', key));
// The screen's last lines, after the prompt that shows `marker` was typed: the answer to that command only.
const after = (out: string, marker: string) => out.slice(out.lastIndexOf(marker) + marker.length);

section('A pod, and a terminal for kubectl');
await step('Create the article\'s pod.', ['kubectl', 'run', 'nginx', '--image=nginx']);
await waitUntil('it runs', ['kubectl', 'get', 'po', 'nginx', '-o', 'jsonpath={.status.phase}'], (out) => out.trim() === 'Running');
await step('Start no tmux server that an earlier walk left running.', `tmux -L ${server} kill-server 2>/dev/null; true`);
// remain-on-exit keeps the window after kubectl exits, so its exit status can be read.
await step('A 100x30 terminal running the article\'s command (tmux is the terminal here).',
  tmux('new-session', '-d', '-s', 'tty', '-x', '100', '-y', '30', '-e', `KUBECONFIG=${process.env.KUBECONFIG ?? ''}`,
    // The shell tmux runs the command with says kubectl's exit code when kubectl is done.
    'kubectl exec -it nginx -- /bin/bash; echo "kubectl exited with $?"'));
await step('Keep the window when kubectl exits, to read its exit code.', tmux('set-option', '-t', 'tty', 'remain-on-exit', 'on'));
observe(`Watch it from another terminal: tmux -L ${server} attach -t tty`);
await waitUntil('bash prints its prompt', screen, (out) => /#\s*$/.test(out.trimEnd()));
observe('kubectl put tmux\'s terminal into raw mode and sent its size; bash runs on a terminal in the container.');

section('Keys, echo, and the size');
await type('echo $((6*7)); tty; stty size');
await waitUntil('bash answers', screen, (out) => /\n42\s*\n\/dev\/pts\/\d+\s*\n30 100\s*\n/.test(after(out, 'stty size')));
observe('42, a terminal of the container\'s own /dev/pts, and 30 rows of 100 columns: the size of the tmux window.\n'
  + 'The echo of what was typed came from the container\'s line discipline, not from tmux: kubectl\'s terminal is raw.');
await step('Resize the outer terminal: SIGWINCH for kubectl, channel 4, each hop, TIOCSWINSZ in the container.',
  tmux('resize-window', '-t', 'tty', '-x', '120', '-y', '40'));
// Asked until it answers with the new size: keys typed while the resize is still on its way may be redrawn away.
await waitUntil('bash answers `stty size` with the new size',
  tmux('send-keys', '-t', 'tty', '-l', 'stty size', ';', 'send-keys', '-t', 'tty', 'Enter', ';', 'capture-pane', '-p', '-J', '-t', 'tty'),
  (out) => /\n40 120\s*\n/.test(out));

section('Ctrl-C is a byte');
await type('sleep 100');
await press('C-c', 'Press Ctrl-C: the byte 0x03, which the container\'s terminal turns into SIGINT for sleep.');
await type('echo still here');
await waitUntil('bash survived', screen, (out) => /\nstill here\s*\n/.test(after(out, 'echo still here')));
observe('sleep ended, bash did not, and kubectl never saw a signal.');

section('The exit code');
await type('exit 3');
// Read off the screen: tmux's own #{pane_dead_status} was empty once under load (the pane dead, no status recorded).
await waitUntil('kubectl exits', screen, (out) => /\nkubectl exited with 3\s*\n/.test(`${out}\n`));
observe('kubectl exited with bash\'s code, 3, and left its terminal as it found it.');
await step('Close the terminal.', tmux('kill-server'));
await step('Clean up.', ['kubectl', 'delete', 'pod', 'nginx']);
