// One way for a component process to stop: SIGINT/SIGTERM, or the loss of its supervisor (the lifeline), run the
// registered closers in reverse order, then exit. (systemd plays the supervisor on a real node.)
import { Socket } from 'node:net';

type Closer = () => unknown | Promise<unknown>;
const closers: Closer[] = [];
let stopping = false;

// The environment variable naming the lifeline's file descriptor, set by the checkpoint supervisor.
export const LIFELINE_ENV = 'WORKBOOK_LIFELINE_FD';

export function onShutdown(close: Closer): void { closers.push(close); }

// deadlineMs: exit even if a closer hangs (used when the supervisor is gone and nobody would ever SIGKILL us).
export async function shutdown(code = 0, deadlineMs?: number): Promise<never> {
  if (deadlineMs !== undefined) setTimeout(() => process.exit(code), deadlineMs).unref();
  if (!stopping) {
    stopping = true;
    for (const close of closers.reverse()) {
      try { await close(); } catch (err) { console.error('shutdown:', err instanceof Error ? err.message : err); }
    }
  }
  process.exit(code);
}

// The supervisor hands each component one end of a pipe it never writes to. The kernel closes the other end when
// the supervisor dies, however it dies (kill -9 included), so EOF here means "nobody supervises me": stop the way
// SIGTERM would, containers included, rather than live on as an orphan or die by chance on a broken log pipe.
function watchLifeline(): void {
  const fd = Number(process.env[LIFELINE_ENV]);
  delete process.env[LIFELINE_ENV]; // not for our children
  if (!Number.isInteger(fd) || fd < 3) return;
  let line: Socket;
  try { line = new Socket({ fd, readable: true, writable: false }); } catch { return; }
  const lost = () => {
    console.error('supervisor gone (lifeline closed): shutting down');
    void shutdown(0, 1500); // well inside the 2 s a supervisor's death allows
  };
  line.on('data', () => { /* never written to */ });
  line.once('end', lost);
  line.once('error', lost);
  line.unref(); // the lifeline alone keeps nothing running
}

export function installSignalHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void shutdown(0));
  // A log line to a supervisor that is gone is EPIPE: not a reason to crash halfway through a shutdown.
  for (const out of [process.stdout, process.stderr]) out.on('error', () => {});
  watchLifeline();
}
