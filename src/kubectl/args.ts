// Parses kubectl's command line the way cobra/pflag do: global flags anywhere, per-command flags, "--" ends flags (kubectl/pkg/cmd/cmd.go, spf13/pflag).
import { UsageError } from './errors.ts';

export type FlagType = 'bool' | 'string' | 'int' | 'stringArray';
export interface FlagSpec { name: string; short?: string; type: FlagType; default?: string | boolean | number }

export const globalFlags: FlagSpec[] = [
  { name: 'namespace', short: 'n', type: 'string' },
  { name: 'kubeconfig', type: 'string' },
  { name: 'context', type: 'string' },
  { name: 'cluster', type: 'string' },
  { name: 'user', type: 'string' },
  { name: 'server', short: 's', type: 'string' },
  { name: 'token', type: 'string' },
  { name: 'insecure-skip-tls-verify', type: 'bool' },
  { name: 'v', short: 'v', type: 'int', default: 0 },
  { name: 'help', short: 'h', type: 'bool' },
];

export const commandFlags: Record<string, FlagSpec[]> = {
  version: [{ name: 'client', type: 'bool' }, { name: 'output', short: 'o', type: 'string' }],
  get: [
    { name: 'output', short: 'o', type: 'string' },
    { name: 'watch', short: 'w', type: 'bool' },
    { name: 'selector', short: 'l', type: 'string' },
    { name: 'field-selector', type: 'string' },
    { name: 'all-namespaces', short: 'A', type: 'bool' },
    { name: 'no-headers', type: 'bool' },
  ],
  run: [
    { name: 'image', type: 'string' },
    { name: 'port', type: 'string' },
    { name: 'restart', type: 'string' },
    { name: 'labels', short: 'l', type: 'string' },
    { name: 'env', type: 'stringArray' },
    { name: 'command', type: 'bool' },
  ],
  delete: [
    { name: 'wait', type: 'bool', default: true },
    { name: 'grace-period', type: 'int', default: -1 },
    { name: 'now', type: 'bool' },
    { name: 'force', type: 'bool' },
  ],
  describe: [],
  logs: [
    { name: 'container', short: 'c', type: 'string' },
    { name: 'follow', short: 'f', type: 'bool' },
    { name: 'previous', short: 'p', type: 'bool' },
    { name: 'timestamps', type: 'bool' },
    { name: 'tail', type: 'int', default: -1 },
  ],
  wait: [
    { name: 'for', type: 'string' },
    { name: 'timeout', type: 'string' },
  ],
  exec: [
    { name: 'stdin', short: 'i', type: 'bool' },
    { name: 'tty', short: 't', type: 'bool' },
    { name: 'container', short: 'c', type: 'string' },
    { name: 'quiet', short: 'q', type: 'bool' },
  ],
};

export type FlagValue = string | boolean | number | string[];

export interface ParsedArgs {
  command?: string;
  positionals: string[];           // before "--"
  dashArgs?: string[];             // everything after "--", undefined when there was no "--"
  flags: Record<string, FlagValue>;
}

const boolWords: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, t: true, f: false, T: true, F: false, TRUE: true, FALSE: false, True: true, False: false };

function setFlag(flags: Record<string, FlagValue>, spec: FlagSpec, raw: string, shown: string, command?: string): void {
  switch (spec.type) {
    case 'bool': {
      const b = boolWords[raw];
      if (b === undefined) throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`, command);
      flags[spec.name] = b;
      return;
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw new UsageError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`, command);
      flags[spec.name] = Number(raw);
      return;
    }
    case 'stringArray':
      flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), raw];
      return;
    default:
      flags[spec.name] = raw;
  }
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  // The command is the first word that is not a flag or a global flag's value.
  const out: ParsedArgs = { positionals: [], flags: {} };
  let specs = [...globalFlags];
  const byLong = () => new Map(specs.map((s) => [s.name, s]));
  const byShort = () => new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (const s of specs) if (s.default !== undefined) out.flags[s.name] = s.default;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { out.dashArgs = argv.slice(i + 1); break; }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong().get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`, out.command);
      if (eq !== -1) setFlag(out.flags, spec, arg.slice(eq + 1), `--${name}`, out.command);
      else if (spec.type === 'bool') out.flags[spec.name] = true;
      else if (i + 1 < argv.length) setFlag(out.flags, spec, argv[++i], `--${name}`, out.command);
      else throw new UsageError(`flag needs an argument: --${name}`, out.command);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Shorthands combine (-it); a value may follow directly (-nfoo), after "=" (-v=6) or as the next word.
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j];
        const spec = byShort().get(c);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${c}' in ${arg}`, out.command);
        if (spec.type === 'bool') {
          if (arg[j + 1] === '=') { setFlag(out.flags, spec, arg.slice(j + 2), `-${c}, --${spec.name}`, out.command); break; }
          out.flags[spec.name] = true;
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest.startsWith('=')) setFlag(out.flags, spec, rest.slice(1), `-${c}, --${spec.name}`, out.command);
        else if (rest) setFlag(out.flags, spec, rest, `-${c}, --${spec.name}`, out.command);
        else if (i + 1 < argv.length) setFlag(out.flags, spec, argv[++i], `-${c}, --${spec.name}`, out.command);
        else throw new UsageError(`flag needs an argument: '${c}' in -${c}`, out.command);
        break;
      }
      continue;
    }
    if (out.command === undefined) {
      out.command = arg;
      const extra = commandFlags[arg];
      if (!extra) throw new UsageError(`unknown command "${arg}" for "kubectl"`);
      specs = [...globalFlags, ...extra];
      for (const s of extra) if (s.default !== undefined && out.flags[s.name] === undefined) out.flags[s.name] = s.default;
      continue;
    }
    out.positionals.push(arg);
  }
  return out;
}

export const str = (p: ParsedArgs, name: string): string | undefined => (typeof p.flags[name] === 'string' ? (p.flags[name] as string) : undefined);
export const bool = (p: ParsedArgs, name: string): boolean => p.flags[name] === true;
export const num = (p: ParsedArgs, name: string): number => (typeof p.flags[name] === 'number' ? (p.flags[name] as number) : 0);
export const list = (p: ParsedArgs, name: string): string[] => (Array.isArray(p.flags[name]) ? (p.flags[name] as string[]) : []);
