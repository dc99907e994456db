// The exec command in an audit line: kept whole from level Request, argv[0] only at Metadata (ours; upstream
// logs requestURI as received at every level, command and all).
import { levelAtLeast, type Level } from './event.ts';

// #region redact-command
// Why: a command line is where secrets travel (`mysql -pHunter2`, `curl -H 'Authorization: Bearer …'`,
// `sh -c 'TOKEN=… ./deploy'`), and Metadata is the level a cluster logs everything at and ships far (a SIEM,
// long retention, many readers). Metadata means "who did what to which object": the program (argv[0]) says
// what; its arguments are request content, which a policy asks for by choosing Request or RequestResponse.
export const REDACTED = '[redacted]';

export function redactExecURI(requestURI: string, level: Level): string {
  if (levelAtLeast(level, 'Request')) return requestURI;
  const q = requestURI.indexOf('?');
  if (q < 0) return requestURI;
  let seen = 0;
  const params = requestURI.slice(q + 1).split('&').map((p) => {
    const key = p.split('=', 1)[0]!;
    if (safeDecode(key) !== 'command') return p;
    return seen++ === 0 ? p : `${key}=${REDACTED}`;
  });
  return `${requestURI.slice(0, q)}?${params.join('&')}`;
}
// #endregion redact-command

function safeDecode(s: string): string {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; }
}
