// The files the engine writes for each container (Docker's /etc/hostname, /etc/hosts and /etc/resolv.conf, which
// dockerd generates and bind-mounts): here written into the container's own layer before it starts, never through
// a link the container may have left there.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function writeNoFollow(path: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    unlinkSync(path);   // a symbolic link: replaced by a file, never followed
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  }
  try { writeSync(fd, content); } finally { closeSync(fd); }
}

export function writeEtcFiles(upper: string, hostname: string): void {
  const etc = join(upper, 'etc');
  mkdirSync(etc, { recursive: true });
  if (!lstatSync(etc).isDirectory()) throw new Error('the container\'s /etc is not a directory');
  writeNoFollow(join(etc, 'hostname'), `${hostname}\n`);
  writeNoFollow(join(etc, 'hosts'), `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${hostname ? `127.0.1.1\t${hostname}\n` : ''}`);
  let resolv = '';
  try { resolv = readFileSync('/etc/resolv.conf', 'utf8'); } catch { /* none on the host */ }
  writeNoFollow(join(etc, 'resolv.conf'), resolv);
}
