// Signal names as the Engine API takes them (moby pkg/signal.ParseSignal): "SIGTERM", "TERM", "term" or "15".
import { constants } from 'node:os';
import { invalidParameter } from './errors.ts';

const byNumber = new Map<number, NodeJS.Signals>();
for (const [name, n] of Object.entries(constants.signals)) if (!byNumber.has(n)) byNumber.set(n, name as NodeJS.Signals);

export function parseSignal(raw: string): NodeJS.Signals {
  if (/^[0-9]+$/.test(raw)) {
    const sig = byNumber.get(Number(raw));
    if (!sig) throw invalidParameter(`Invalid signal: ${raw}`);
    return sig;
  }
  const name = `SIG${raw.toUpperCase().replace(/^SIG/, '')}`;
  if (!(name in constants.signals)) throw invalidParameter(`Invalid signal: ${raw}`);
  return name as NodeJS.Signals;
}
