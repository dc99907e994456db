// A container's console: a pseudo-terminal from the container's own devpts, so that `tty` inside prints
// /dev/pts/N (runc's console socket: runc opens /dev/ptmx inside the container and sends the master to its
// caller, which holds it as containerd's shim does). Node cannot receive a descriptor over a socket, so the engine
// opens the container's ptmx from the host, through /proc/<init pid>/root, and holds the master itself.
import { spawnSync } from 'node:child_process';
import { closeSync, constants as fsConstants, fchownSync, fstatSync, openSync, write } from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough, Writable } from 'node:stream';
import { ReadStream } from 'node:tty';
import type { TerminalSize } from '../../exec/executor.ts';

// unlockpt(3) and ptsname(3) are two ioctls Node has no call for: a constant perl line does them on the master it
// is given as stdin (perl-base is part of every Debian system). TIOCSPTLCK and TIOCGPTN, the same on every Linux
// architecture that uses the generic ioctl numbers (x86, arm, riscv).
const unlockScript = 'my $z = pack("i", 0); ioctl(STDIN, 0x40045431, $z) or die "unlockpt: $!\\n"; '
  + 'my $n = pack("I", 0); ioctl(STDIN, 0x80045430, $n) or die "ptsname: $!\\n"; print "pts ", unpack("I", $n), "\\n"';

// TIOCSWINSZ on a descriptor: node-pty's native resize (its JavaScript side only resizes the terminals it made).
type NativePty = { resize(fd: number, cols: number, rows: number): void };
let native: NativePty | undefined;
function nativePty(): NativePty {
  native ??= createRequire(import.meta.url)('node-pty/build/Release/pty.node') as NativePty;
  return native;
}

const PTMX = { major: 5, minor: 2 };
const major = (rdev: number) => (rdev >> 8) & 0xfff;
const minor = (rdev: number) => (rdev & 0xff) | ((rdev >> 12) & 0xfff00);

export interface Console {
  index: number;                  // N of /dev/pts/N in the container
  slave: number;                  // a descriptor for the process's stdin, stdout, stderr (and controlling terminal)
  stdout: PassThrough;            // what the terminal shows, until the process has exited and all of it is read
  stdin: Writable;                // keystrokes
  resize(size: TerminalSize): void;
  // The process has exited: read what is left, then let go of the terminal (the master's EIO ends stdout).
  finish(): Promise<void>;
}

// The first size of a terminal nobody sized yet (a shell at 0x0 wraps every character).
const defaultSize: TerminalSize = { width: 80, height: 24 };

// #region container-console
export function openConsole(initPid: number, size?: TerminalSize, owner?: number): Console {
  const pts = `/proc/${initPid}/root/dev/pts`;
  const master = openSync(`${pts}/ptmx`, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  let slave = -1;
  try {
    // The container owns its /dev: it must still be a devpts' ptmx we opened, not a file a link pointed us to.
    const m = fstatSync(master);
    if (!m.isCharacterDevice() || major(m.rdev) !== PTMX.major || minor(m.rdev) !== PTMX.minor) throw new Error(`${pts}/ptmx is not a ptmx`);
    const r = spawnSync('perl', ['-e', unlockScript], { stdio: [master, 'pipe', 'pipe'], encoding: 'utf8' });
    const index = Number(/^pts (\d+)$/m.exec(r.stdout ?? '')?.[1] ?? NaN);
    if (r.status !== 0 || !Number.isInteger(index)) throw new Error(`cannot unlock the container's terminal: ${(r.stderr || r.error?.message || 'no answer').trim()}`);
    slave = openSync(`${pts}/${index}`, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
    const s = fstatSync(slave);
    if (!s.isCharacterDevice() || major(s.rdev) < 136 || major(s.rdev) > 143) throw new Error(`${pts}/${index} is not a terminal`);
    // The process's user owns its terminal (it may open `tty`'s name again, as `ls > $(tty)` does); gid stays tty's.
    if (owner !== undefined && owner !== 0) fchownSync(slave, owner, -1);
    const z = size ?? defaultSize;
    nativePty().resize(master, Math.max(1, z.width), Math.max(1, z.height));
    return attach(master, slave, index);
  } catch (err) {
    for (const fd of [slave, master]) if (fd >= 0) try { closeSync(fd); } catch { /* closed */ }
    throw err;
  }
}
// #endregion container-console

function attach(master: number, slave: number, index: number): Console {
  const stdout = new PassThrough();
  const reader = new ReadStream(master);
  let fresh = false;
  let closed = false;
  let draining = false;   // the process has exited: what is left (one pty buffer at most) is read without pausing
  const releaseSlave = () => { if (slave >= 0) { try { closeSync(slave); } catch { /* closed */ } slave = -1; } };
  // EIO is how a master reads its end: the last holder of the slave side has closed it.
  const end = () => { if (closed) return; closed = true; releaseSlave(); stdout.end(); reader.destroy(); };
  reader.on('data', (d: Buffer) => { fresh = true; if (!stdout.write(d) && !draining) { reader.pause(); stdout.once('drain', () => reader.resume()); } });
  reader.on('error', end);
  reader.on('end', end);
  reader.on('close', end);
  // Writes to the master go through the kernel's buffer; a full one answers EAGAIN (the descriptor is non-blocking
  // once libuv reads it): then try again a little later, holding the client back meanwhile.
  const stdin = new Writable({
    write(chunk: Buffer, _enc, done) {
      const put = (off: number) => {
        if (closed) return done();
        write(master, chunk, off, chunk.length - off, null, (err, n) => {
          if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') { setTimeout(() => put(off), 5); return; }
          if (err) return done();   // the terminal is gone: keystrokes go nowhere, as on a hung-up line
          if (off + n < chunk.length) return put(off + n);
          done();
        });
      };
      put(0);
    },
  });
  stdin.on('error', () => {});
  return {
    index,
    get slave() { return slave; },
    stdout, stdin,
    resize: (z) => { if (!closed) try { nativePty().resize(master, Math.max(1, z.width), Math.max(1, z.height)); } catch { /* gone */ } },
    // Linux throws away what the master has not read once the slave's last holder closes it, so the engine holds
    // the slave until the process has exited and a whole turn of the loop has read nothing more.
    finish: () => new Promise<void>((resolve) => {
      stdout.once('end', resolve);
      if (closed) return resolve();
      draining = true;
      reader.resume();
      fresh = true;
      const check = () => {
        if (closed) return;
        if (fresh) { fresh = false; setImmediate(check); return; }
        releaseSlave();
        // A process left in the background still holds the terminal: stop reading it after a moment.
        setTimeout(end, 200).unref();
      };
      setImmediate(check);
    }),
  };
}
