// Paths inside a container seen from the host: a container path resolved in its root (or in its layers, upper
// first, before the overlay is mounted) with every symbolic link kept inside that root, as runc's securejoin does;
// and exec.LookPath over the container's PATH.
import { accessSync, constants, lstatSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { ExecutableNotFound } from '../../shim/spawn.ts';

const maxSymlinks = 40;   // the kernel's limit, ELOOP after it

function lstatOrUndefined(p: string): Stats | undefined {
  try { return lstatSync(p); } catch { return undefined; }
}

// An overlay whiteout: a character device 0/0 in an upper layer hides the path below it.
const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

// The host path of a container path, in the first layer that has it, following links as the container would
// (an absolute target starts again at the container's root, ".." stops at it). Undefined if it does not exist.
export function resolveInLayers(layers: string[], containerPath: string): string | undefined {
  let pending = posix.normalize(`/${containerPath}`).split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') { done.pop(); continue; }
    const rel = [...done, name].join('/');
    let found: { path: string; st: Stats } | undefined;
    for (const layer of layers) {
      const st = lstatOrUndefined(posix.join(layer, rel));
      if (!st) continue;
      if (!isWhiteout(st)) found = { path: posix.join(layer, rel), st };
      break;
    }
    if (!found) return undefined;
    if (found.st.isSymbolicLink()) {
      if (++links > maxSymlinks) return undefined;
      const target = readlinkSync(found.path);
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter(Boolean), ...pending];
      continue;
    }
    done.push(name);
    if (pending.length > 0 && !found.st.isDirectory()) return undefined;
  }
  const rel = done.join('/');
  for (const layer of layers) {
    const p = posix.join(layer, rel);
    const st = lstatOrUndefined(p);
    if (st) return isWhiteout(st) ? undefined : p;
  }
  return undefined;
}

function executableIn(layers: string[], containerPath: string): boolean {
  const p = resolveInLayers(layers, containerPath);
  if (!p) return false;
  const st = lstatOrUndefined(p);
  if (!st?.isFile() || (st.mode & 0o111) === 0) return false;
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
}

// exec.LookPath inside the container: the container path of the executable `file` names, searched on the PATH
// of its environment; a name with a slash is taken as it is (relative to the working directory). Throws runc's
// "executable file not found in $PATH" otherwise.
export function lookPathIn(layers: string[], file: string, env: string[], workingDir: string): string {
  if (file.includes('/')) {
    const p = posix.resolve(workingDir || '/', file);
    if (executableIn(layers, p)) return p;
    throw new ExecutableNotFound(file);
  }
  const path = [...env].reverse().find((e) => e.startsWith('PATH='))?.slice('PATH='.length) ?? '';
  for (const dir of path.split(':')) {
    if (!dir) continue;
    const p = posix.join(posix.resolve('/', dir), file);
    if (executableIn(layers, p)) return p;
  }
  throw new ExecutableNotFound(file);
}
