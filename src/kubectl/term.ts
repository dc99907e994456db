// The local terminal for kubectl exec -t: raw mode that is always undone, and the window size with its changes (kubectl/pkg/util/term: TTY.Safe, MonitorSize, GetSize).
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { TerminalSize } from '../exec/executor.ts';
import type { TerminalResize } from '../remotecommand/websocket-client.ts';

type TerminalIn = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
type TerminalOut = Writable & { isTTY?: boolean; columns?: number; rows?: number };

// #region raw-mode-guard
// Runs fn with the terminal in raw mode: no echo, no line editing, and no signals from keys, so Ctrl-C and Ctrl-D
// are bytes for the remote terminal, not for kubectl. The terminal is back in cooked mode however fn ends: a
// result, an exception, the server going away, or kubectl itself being stopped by a signal (TTY.Safe's
// interrupt handler: restore, then exit 1, as the real kubectl does) or leaving with process.exit.
export async function withRawTerminal<T>(input: TerminalIn, fn: () => Promise<T>): Promise<T> {
  input.setRawMode!(true);
  // Node's raw mode keeps output processing (ONLCR), so the remote terminal's \r\n would reach the screen as
  // \r\r\n; Go's term.MakeRaw (cfmakeraw) turns it off too. stty does that on our terminal; setRawMode(false)
  // puts back the whole mode libuv saved, output processing included.
  const fd = (input as { fd?: number }).fd;
  if (typeof fd === 'number') spawnSync('stty', ['-opost'], { stdio: [fd, 'ignore', 'ignore'] });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try { input.setRawMode!(false); } catch { /* the terminal is gone */ }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const onSignal = () => {
    restore();
    process.exit(1);
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
