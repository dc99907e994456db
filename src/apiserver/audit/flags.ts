// The API server's audit flags (kube-apiserver --audit-log-path, --audit-policy-file), for an entry's
// runAPIServer({ extraFlags: [...auditFlags], extensions: (flags) => ... }).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Auditor } from './auditor.ts';
import { defaultAuditPolicy } from './default-policy.ts';
import type { SpdyDecoderFactory } from './exec-session.ts';
import { LogBackend } from './log-backend.ts';
import { parsePolicy } from './policy.ts';

export const auditFlags = ['audit-log-path', 'audit-policy-file'] as const;

// #region audit-flags
// No --audit-log-path, no audit (as upstream: the log backend exists only with a path). A path without a policy
// file uses the workbook's default policy (upstream would log nothing: its policy has no default rules).
export function auditorFromFlags(flags: Record<string, string | undefined>, opts: { spdy?: SpdyDecoderFactory; log?: (line: string) => void } = {}): Auditor | undefined {
  const path = flags['audit-log-path'];
  const file = flags['audit-policy-file'];
  if (!path) {
    if (file) throw new Error('--audit-policy-file needs --audit-log-path');
    return undefined;
  }
  const policy = file ? parsePolicy(readFileSync(resolve(file), 'utf8'), file) : defaultAuditPolicy;
  const backend = new LogBackend(path === '-' ? '-' : resolve(path), opts.log);
  return new Auditor({ policy, backend, spdy: opts.spdy });
}
// #endregion audit-flags
