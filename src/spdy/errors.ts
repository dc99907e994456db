// SpdyProtocolError: what spdystream's Framer rejects (moby/spdystream spdy/types.go `Error`, `ErrorCode`).

// spdystream's error codes, word for word: a reader who sees one in our logs can grep the Go source for it.
export const ErrorCode = {
  unlowercasedHeaderName: 'header was not lowercased',
  duplicateHeaders: 'multiple headers with same name',
  wrongCompressedPayloadSize: 'compressed payload size was incorrect',
  unknownFrameType: 'unknown frame type',
  invalidControlFrame: 'invalid control frame',
  invalidDataFrame: 'invalid data frame',
  invalidHeaderPresent: 'frame contained invalid header',
  zeroStreamId: 'stream id zero is disallowed',
} as const;

export class SpdyProtocolError extends Error {
  // frames: those a FrameDecoder.push() decoded before the bad one, to be handled before the teardown
  // (spdystream's read loop handles every frame it read before the one it fails on).
  frames?: unknown[];
  constructor(readonly code: string, detail?: string, readonly streamId = 0) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'SpdyProtocolError';
  }
}
