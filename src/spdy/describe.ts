// One line per SPDY frame, for printing a real session's frames (chapter 8's steps); spdystream's debugMessage lines play this role.
import { Flag, RstStatus, SettingsId, type Frame } from './frames.ts';
import type { SpdyHeaders } from './header-block.ts';

const rstNames = new Map<number, string>(Object.entries(RstStatus).map(([k, v]) => [v, snake(k)]));
const settingsNames = new Map<number, string>(Object.entries(SettingsId).map(([k, v]) => [v, snake(k)]));
const goAwayNames = ['OK', 'PROTOCOL_ERROR', 'INTERNAL_ERROR'];

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

function headerText(headers: SpdyHeaders | undefined, blockLength: number): string {
  if (!headers) return ` block=${blockLength}B`;
  // several values of one name travel NUL-joined; shown comma-separated
  return Object.entries(headers).map(([k, v]) => ` ${k}=${v.replaceAll('\0', ',')}`).join('');
}

// e.g. `SYN_STREAM id=1 streamtype=error`, `DATA id=5 len=6 FIN`, `RST_STREAM id=3 status=CANCEL`.
// `headers`: the decompressed header block of a SYN_STREAM, SYN_REPLY or HEADERS (else its size is shown).
export function describeFrame(frame: Frame, headers?: SpdyHeaders): string {
  switch (frame.type) {
    case 'data':
      return `DATA id=${frame.streamId} len=${frame.data.length}${frame.flags & Flag.fin ? ' FIN' : ''}`;
    case 'synStream':
      return `SYN_STREAM id=${frame.streamId}${frame.associatedId ? ` assoc=${frame.associatedId}` : ''}${headerText(headers, frame.headerBlock.length)}`
        + `${frame.flags & Flag.fin ? ' FIN' : ''}${frame.flags & Flag.unidirectional ? ' UNIDIRECTIONAL' : ''}`;
    case 'synReply':
    case 'headers':
      return `${frame.type === 'synReply' ? 'SYN_REPLY' : 'HEADERS'} id=${frame.streamId}${headerText(headers, frame.headerBlock.length)}${frame.flags & Flag.fin ? ' FIN' : ''}`;
    case 'rstStream':
      return `RST_STREAM id=${frame.streamId} status=${rstNames.get(frame.status) ?? frame.status}`;
    case 'settings':
      return `SETTINGS${frame.flags & Flag.clearSettings ? ' CLEAR_SETTINGS' : ''}${frame.entries.map((e) => ` ${settingsNames.get(e.id) ?? e.id}=${e.value}`).join('')}`;
    case 'ping':
      return `PING id=${frame.id}`;
    case 'goAway':
      return `GOAWAY last=${frame.lastGoodStreamId} status=${goAwayNames[frame.status] ?? frame.status}`;
    case 'windowUpdate':
      return `WINDOW_UPDATE id=${frame.streamId} delta=${frame.delta}`;
  }
}
