// The detach keys on a terminal's input (moby pkg/term (moby/term) ToBytes and NewEscapeProxy, used by
// container/stream/attach.go's copyEscapable): the bytes pass through until the whole sequence is typed, then the
// client detaches: its connection ends and the process goes on. A pure codec: bytes in, bytes out and a flag.

// ctrl-p ctrl-q, dockerd's default (container.DefaultDetachKeys in the CLI, "ctrl-p,ctrl-q").
export const DEFAULT_DETACH_KEYS = Buffer.from([16, 17]);

// term.ToBytes: "ctrl-<c>" for c in a-z @ [ \ ] ^ _, or one character, separated by commas.
export function parseDetachKeys(keys: string): Buffer {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    const k = key.trim();
    if (k.length > 5 && k.toLowerCase().startsWith('ctrl-')) {
      const c = k.slice(5);
      if (c.length !== 1) throw new Error(`Unknown character: '${k}'`);
      const code = c.toLowerCase().charCodeAt(0);
      if (code >= 0x61 && code <= 0x7a) out.push(code - 0x61 + 1);
      else if ('@[\\]^_'.includes(c)) out.push('@[\\]^_'.indexOf(c) === 0 ? 0 : 26 + '@[\\]^_'.indexOf(c));
      else throw new Error(`Unknown character: '${c}'`);
    } else if (k.length === 1) {
      out.push(k.charCodeAt(0));
    } else {
      throw new Error(`Unknown character: '${k}'`);
    }
  }
  return Buffer.from(out);
}

// The keys an exec or attach uses: the request's, or the default when they are absent or wrong (dockerd logs
// "Wrong escape keys provided" and goes on with ctrl-p ctrl-q).
export function detachKeysOf(requested: string | undefined): Buffer {
  if (!requested) return DEFAULT_DETACH_KEYS;
  try { return parseDetachKeys(requested); } catch { return DEFAULT_DETACH_KEYS; }
}

// #region escape-proxy
// As term.escapeProxy reads: a byte that continues the sequence is held back; the whole sequence typed means
// detach (what was held is dropped); a byte that breaks it lets the held bytes through, then itself.
export class EscapeProxy {
  private matched = 0;
  constructor(private readonly keys: Buffer = DEFAULT_DETACH_KEYS) {}

  push(chunk: Buffer): { data: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { data: chunk, detach: false };
    const out: number[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) { this.matched = 0; return { data: Buffer.from(out), detach: true }; }
        continue;
      }
      // The held prefix was ordinary input after all.
      for (let j = 0; j < this.matched; j++) out.push(this.keys[j]!);
      this.matched = 0;
      if (b === this.keys[0]) { this.matched = 1; if (this.keys.length === 1) return { data: Buffer.from(out), detach: true }; continue; }
      out.push(b);
    }
    return { data: Buffer.from(out), detach: false };
  }
}
// #endregion escape-proxy
