// Which components of a checkpoint wait for which: read from the ${component.field} references in their args, so
// independent ones start together (systemd's After= between units, derived rather than written by hand).
import type { ComponentSpec } from './types.ts';

// The components a spec names in its args (${apiserver.url} → apiserver); ${state} names none.
export function dependenciesOf(spec: ComponentSpec): string[] {
  const found = new Set<string>();
  for (const arg of spec.args ?? []) {
    for (const [, ref] of arg.matchAll(/\$\{([^}]+)\}/g)) {
      const dot = ref.lastIndexOf('.');
      if (dot > 0) found.add(ref.slice(0, dot));
    }
  }
  return [...found];
}

// Each component's dependencies, checked: a reference to a component that is not in the checkpoint, or a cycle,
// is a mistake in book.config.ts, reported before anything starts.
export function startGraph(components: ComponentSpec[]): Map<string, string[]> {
  const names = new Set(components.map((c) => c.name));
  const graph = new Map(components.map((c) => [c.name, dependenciesOf(c)]));
  for (const [name, deps] of graph) {
    for (const d of deps) if (!names.has(d)) throw new Error(`component ${name} refers to \${${d}...}, but the checkpoint has no component "${d}"`);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`components wait for each other in a cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const d of graph.get(name)!) visit(d, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of graph.keys()) visit(name, []);
  return graph;
}

// Starts every component once all it depends on has started, independent ones at the same time. After the first
// failure nothing new starts; it resolves once every start under way has ended, so the caller can stop them all.
export async function startInOrder(graph: Map<string, string[]>, start: (name: string) => Promise<unknown>): Promise<void> {
  let failure: { err: unknown } | undefined;
  const started = new Map<string, Promise<void>>();
  const begin = (name: string): Promise<void> => {
    let p = started.get(name);
    if (!p) {
      p = (async () => {
        await Promise.all(graph.get(name)!.map(begin));
        if (failure) throw new Error(`${name} not started: another component failed`);
        try { await start(name); } catch (err) { failure ??= { err }; throw err; }
      })();
      p.catch(() => {}); // awaited below, through allSettled
      started.set(name, p);
    }
    return p;
  };
  await Promise.allSettled([...graph.keys()].map(begin));
  if (failure) throw failure.err;
}
