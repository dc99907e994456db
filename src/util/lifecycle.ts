// One way for a component process to stop: SIGINT/SIGTERM run the registered closers in reverse order, then exit.
type Closer = () => unknown | Promise<unknown>;
const closers: Closer[] = [];
let stopping = false;

export function onShutdown(close: Closer): void { closers.push(close); }

export async function shutdown(code = 0): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const close of closers.reverse()) {
      try { await close(); } catch (err) { console.error('shutdown:', err instanceof Error ? err.message : err); }
    }
  }
  process.exit(code);
}

export function installSignalHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void shutdown(0));
}
