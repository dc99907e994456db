// The API server's audit flags (kube-apiserver --audit-log-path, --audit-policy-file), taken out of argv by an
// entry that wants audit, so runAPIServer sees only its own flags.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Auditor } from './auditor.ts';
import { defaultAuditPolicy } from './default-policy.ts';
import type { SpdyDecoderFactory } from './exec-session.ts';
import { LogBackend } from './log-backend.ts';
import { parsePolicy } from './policy.ts';

export const auditFlags = ['audit-log-path', 'audit-policy-file'] as const;

export interface AuditFromFlags { auditor?: Auditor; argv: string[] }

// #region audit-flags
// No --audit-log-path, no audit (as upstream: the log backend exists only with a path). A path without a policy
// file uses the workbook's default policy (upstream would log nothing: its policy has no default rules).
export function auditFromFlags(argv: string[], opts: { spdy?: SpdyDecoderFactory } = {}): AuditFromFlags {
  const values: Partial<Record<(typeof auditFlags)[number], string>> = {};
  const rest = argv.filter((a) => {
    const f = auditFlags.find((n) => a.startsWith(`--${n}=`));
    if (f) values[f] = a.slice(f.length + 3);
    return !f;
  });
  const path = values['audit-log-path'];
  if (!path) {
    if (values['audit-policy-file']) throw new Error('--audit-policy-file needs --audit-log-path');
    return { argv: rest };
  }
  const file = values['audit-policy-file'];
  const policy = file ? parsePolicy(readFileSync(resolve(file), 'utf8'), file) : defaultAuditPolicy;
  const backend = new LogBackend(path === '-' ? '-' : resolve(path));
  return { auditor: new Auditor({ policy, backend, ...opts }), argv: rest };
}
// #endregion audit-flags
