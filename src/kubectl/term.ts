// The local terminal for kubectl exec -t: raw mode that is always undone, and the window size with its changes (kubectl/pkg/util/term: TTY.Safe, MonitorSize, GetSize).
import type { Readable, Writable } from 'node:stream';
import type { TerminalSize } from '../exec/executor.ts';
import type { TerminalResize } from '../remotecommand/websocket-client.ts';

type TerminalIn = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
type TerminalOut = Writable & { isTTY?: boolean; columns?: number; rows?: number };

// #region raw-mode-guard
// Runs fn with the terminal in raw mode: no echo, no line editing, and no signals from keys, so Ctrl-C and Ctrl-D
// are bytes for the remote terminal, not for kubectl. The terminal is back in cooked mode however fn ends: a
// result, an exception, the server going away, or kubectl itself being killed by a signal (TTY.Safe's
// interrupt.Chain: restore, then die of the same signal) or leaving with process.exit.
export async function withRawTerminal<T>(input: TerminalIn, fn: () => Promise<T>): Promise<T> {
  input.setRawMode!(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try { input.setRawMode!(false); } catch { /* the terminal is gone */ }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const onSignal = (sig: NodeJS.Signals) => {
    restore();
    for (const s of signals) process.removeListener(s, onSignal);
    process.kill(process.pid, sig); // no handler left: the default action, so the exit status says which signal
  };
  for (const s of signals) process.on(s, onSignal);
  process.once('exit', restore);
  try {
    return await fn();
  } finally {
    restore();
    for (const s of signals) process.removeListener(s, onSignal);
    process.removeListener('exit', restore);
  }
}
// #endregion raw-mode-guard

// #region monitor-size
// The size of the terminal kubectl writes to, and its changes (Node turns SIGWINCH into 'resize' on a terminal
// stdout). Nothing when stdout is not a terminal: then there is no size to tell, as in kubectl's GetSize.
export function monitorSize(out: TerminalOut): TerminalResize | undefined {
  if (!out.isTTY || !out.columns || !out.rows) return undefined;
  const size = (): TerminalSize => ({ width: out.columns ?? 0, height: out.rows ?? 0 });
  return {
    initial: size(),
    watch(send) {
      const onResize = () => send(size());
      out.on('resize', onResize);
      return () => { out.removeListener('resize', onResize); };
    },
  };
}
// #endregion monitor-size
