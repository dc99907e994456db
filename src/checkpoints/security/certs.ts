// Chapter 9's entries share this: the state folder's PKI, and a component's certificates as the real flags
// that name their files (kubeadm's "certs" phase, done by each component for what it needs, once per folder).
import { resolve } from 'node:path';
import { ClusterPKI, type CertFiles } from '../../pki/pki.ts';

// A flag's value in argv (--name=value), for what an entry must know before the component parses its flags.
export function argValue(argv: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return [...argv].reverse().find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

export async function statePKI(argv: string[]): Promise<ClusterPKI> {
  const stateDir = argValue(argv, 'state-dir');
  if (!stateDir) throw new Error('missing required flag --state-dir');
  return ClusterPKI.open(resolve(stateDir));
}

// The flags go first, so that one given on the command line (later) wins.
export function withFlags(argv: string[], flags: Record<string, string>): string[] {
  return [...Object.entries(flags).map(([k, v]) => `--${k}=${v}`), ...argv];
}

export type { CertFiles };
