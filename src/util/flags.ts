// Parses a component's --key=value flags (util.parseArgs with strings only), so every main.ts reads the same way.
import { parseArgs } from 'node:util';

export function parseFlags<K extends string>(names: readonly K[], argv = process.argv.slice(2)): Partial<Record<K, string>> {
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  return values as Partial<Record<K, string>>;
}

export function requireFlag(values: Record<string, string | undefined>, name: string): string {
  const v = values[name];
  if (!v) throw new Error(`missing required flag --${name}`);
  return v;
}
