// A terminal's first size (kubernetes#47990): kubectl sends it before any keystroke, but one round trip after the 101,
// when the command would already run at 80x24, so `stty size` or a full-screen program would start at the wrong size.
// The runtime waits for it briefly; a size that comes later is simply the first of the resizes.
import type { TerminalSize } from './executor.ts';

// How long a terminal's command waits for the client's first size (docker's exec carries it in the request,
// ConsoleSize; remotecommand has only the resize channel). A client that sends none starts this late.
export const FIRST_SIZE_WAIT_MS = 250;

export interface Sizes {
  first?: TerminalSize;            // absent: none came in time (or the stream ended)
  rest: AsyncIterable<TerminalSize>;   // every size after it, a late first one included
}

export async function awaitFirstSize(resize: AsyncIterable<TerminalSize> | undefined, waitMs = FIRST_SIZE_WAIT_MS): Promise<Sizes> {
  const it = resize?.[Symbol.asyncIterator]();
  if (!it) return { rest: (async function* () {})() };
  const next = it.next();
  next.catch(() => { /* a stream that fails before anyone reads the rest: the rest's reader sees it */ });
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([next, new Promise<undefined>((res) => { timer = setTimeout(() => res(undefined), waitMs); })]);
  clearTimeout(timer);
  const rest = async function* (late?: Promise<IteratorResult<TerminalSize>>) {
    if (late) { const l = await late; if (l.done) return; yield l.value; }
    for (let x = await it.next(); !x.done; x = await it.next()) yield x.value;
  };
  if (r === undefined) return { rest: rest(next) };
  if (r.done) return { rest: (async function* () {})() };
  return { first: r.value, rest: rest() };
}
