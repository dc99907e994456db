// What an exec's error stream says about how it ended, read as client-go's decoders read it for the negotiated
// version (tools/remotecommand v4.go errorDecoderV4, v2.go errorDecoderV2). Pure.
import type { Status } from '../../api/status.ts';

export interface ExecOutcome { exitCode?: number; error?: string }

// #region exec-outcome
export function execOutcome(protocol: string, errorStream: Buffer, endedCleanly: boolean): ExecOutcome {
  const structured = /^v[45]\./.test(protocol);
  if (!errorStream.length) {
    // v4 and v5 servers always write a Status, Success included: silence means the session was cut short.
    if (structured || !endedCleanly) return { error: 'the session ended without a status on the error stream' };
    return { exitCode: 0 };
  }
  const text = errorStream.toString('utf8');
  if (!structured) return { error: text };
  let s: Partial<Status>;
  try { s = JSON.parse(text) as Partial<Status>; } catch { return { error: `error stream is not a Status: ${text.slice(0, 200)}` }; }
  if (s.status === 'Success') return { exitCode: 0 };
  if (s.reason === 'NonZeroExitCode') {
    const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    // client-go parses it as a uint8: anything else is not an exit code.
    if (cause && Number.isInteger(code) && code >= 0 && code <= 255) return { exitCode: code };
  }
  return { error: [s.reason, s.message].filter(Boolean).join(': ') || text };
}
// #endregion exec-outcome
