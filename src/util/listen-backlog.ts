// The accept-queue length a listener asks for: the kernel's somaxconn, as every Go server does (net/sock_linux.go
// maxListenerBacklog), not Node's default of 511.
import { readFileSync } from 'node:fs';

// Go asks for net.core.somaxconn; the kernel caps any request at that value anyway. With Node's 511, a
// thousand clients connecting at once (1,000 concurrent execs) overflow the queue: the kernel drops their
// SYNs, each dial waits for a retransmission (1 s, then 3 s, 7 s, 15 s...) and a dial deadline can expire
// on a server that is merely busy. Where /proc is not readable, Go falls back to 128; we keep Node's 511.
export function listenBacklog(): number {
  try {
    const n = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    if (Number.isInteger(n) && n > 0) return Math.min(n, 65535);
  } catch { /* not Linux, or no /proc */ }
  return 511;
}
