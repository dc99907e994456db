// Waiting for a condition with a deadline: the only way this project waits (never a bare sleep).
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions { timeoutMs?: number; intervalMs?: number; what?: string; signal?: AbortSignal }

// Polls `check` until it returns a value that is not undefined, null or false, or throws when the deadline passes.
export async function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, opts: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let interval = opts.intervalMs ?? 10;
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v as T;
    } catch (err) { lastError = err; }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs ?? 15_000}ms waiting for ${opts.what ?? 'condition'}${why}`);
    }
    try {
      await delay(interval, undefined, { signal: opts.signal });
    } catch (err) {
      throw opts.signal?.aborted ? opts.signal.reason : err; // the caller's reason, not a bare AbortError
    }
    interval = Math.min(interval * 2, 200);
  }
}
