// exec.LookPath as the shim does it on every exec: the first executable regular file on PATH, a name with a slash
// as it is, and "executable file not found in $PATH" for anything else (a directory, a file without an execute
// bit, a PATH entry that is a file), without an exception on the way for the candidates that are not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutableNotFound, lookPath, spawnBound } from '../../../src/shim/spawn.ts';

function tree() {
  const root = mkdtempSync(join(tmpdir(), 'lookpath-'));
  const dirs = ['a', 'b', 'c'].map((d) => { mkdirSync(join(root, d)); return join(root, d); });
  const [a, b, c] = dirs as [string, string, string];
  const script = (p: string, mode: number) => { writeFileSync(p, '#!/bin/sh\nexit 7\n'); chmodSync(p, mode); };
  mkdirSync(join(a, 'tool'));              // a directory named like the command: skipped
  script(join(b, 'tool'), 0o644);          // no execute bit: skipped
  script(join(c, 'tool'), 0o755);          // the one
  script(join(b, 'both'), 0o755);          // first on PATH wins over c/both
  script(join(c, 'both'), 0o755);
  writeFileSync(join(root, 'plain'), '');  // a PATH entry that is a file (ENOTDIR for its "children")
  const PATH = [join(root, 'plain'), '', a, b, c].join(':');
  return { root, a, b, c, PATH, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('lookPath: the first executable regular file on PATH; undefined when there is none', (t) => {
  const { root, b, c, PATH, done } = tree();
  t.after(done);
  assert.equal(lookPath('tool', { PATH }, '/'), join(c, 'tool'));
  assert.equal(lookPath('both', { PATH }, '/'), join(b, 'both'));
  assert.equal(lookPath('missing', { PATH }, '/'), undefined);
  assert.equal(lookPath('tool', {}, '/'), undefined);                         // no PATH, no search
  assert.equal(lookPath('./c/tool', { PATH: '' }, root), join(c, 'tool'));    // a slash: relative to the working directory
  assert.equal(lookPath(join(b, 'tool'), { PATH }, '/'), undefined);          // as it is, and not executable
  assert.equal(lookPath('c', { PATH: root }, '/'), undefined);                // a directory
});

test('spawnBound: a command not found is ExecutableNotFound with exec.LookPath\'s message, and nothing is started', (t) => {
  const { c, PATH, done } = tree();
  t.after(done);
  assert.throws(() => spawnBound(['missing', 'x'], { cwd: '/', env: { PATH }, stdio: 'ignore' }),
    (err: unknown) => err instanceof ExecutableNotFound && err.message === 'exec: "missing": executable file not found in $PATH');
  return new Promise<void>((ok, fail) => {
    const child = spawnBound(['tool'], { cwd: c, env: { PATH }, stdio: 'ignore' });
    child.once('error', fail).once('exit', (code) => { try { assert.equal(code, 7); ok(); } catch (err) { fail(err); } });
  });
});
