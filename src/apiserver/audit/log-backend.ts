// The log backend: one JSON Event per line, appended to a file (k8s.io/apiserver/plugin/pkg/audit/log/backend.go,
// --audit-log-path; "-" is stdout, as upstream).
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Event } from './event.ts';

export interface AuditBackend {
  processEvents(...events: Event[]): void;
  close(): Promise<void>;
}

export class LogBackend implements AuditBackend {
  private readonly out: WriteStream | NodeJS.WriteStream;
  private failed = false;
  private closed = false;

  constructor(path: string, private readonly log: (line: string) => void = (l) => console.error(l)) {
    // 0600: the lines name users and commands; the file is the cluster operator's, not every local user's.
    this.out = path === '-' ? process.stdout : createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.out.on('error', (err) => {
      if (!this.failed) this.log(`audit: log backend failed: ${err.message}`);
      this.failed = true;
    });
  }

  // Upstream's blocking log backend writes each event with one Write call so lines never interleave; one
  // write() per event does the same here, and the stream keeps them in order.
  // Events after close (a session the shutdown ended, recorded as its socket goes) have nowhere to go: dropped.
  processEvents(...events: Event[]): void {
    if (this.failed || this.closed) return;
    for (const e of events) this.out.write(`${JSON.stringify(e)}\n`);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.out === process.stdout || this.failed) return Promise.resolve();
    return new Promise((resolve) => (this.out as WriteStream).end(() => resolve()));
  }
}
