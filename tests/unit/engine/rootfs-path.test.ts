// Container paths read from the host stay inside the container: links resolve against the container's root (an
// absolute target, "..", a chain of links), layers are searched upper first and a whiteout hides what is below;
// LookPath on the container's PATH; users from the container's own passwd and group files, as runc reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookPathIn, resolveInLayers } from '../../../src/engine/linux/rootfs-path.ts';
import { execUser, parseGroup, parsePasswd, UnknownUserError } from '../../../src/engine/linux/user.ts';
import { writeEtcFiles } from '../../../src/engine/linux/etc-files.ts';

function layers(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const upper = join(dir, 'upper');
  const lower = join(dir, 'lower');
  for (const d of ['bin', 'etc', 'usr/bin']) { mkdirSync(join(upper, d), { recursive: true }); mkdirSync(join(lower, d), { recursive: true }); }
  const exe = (p: string) => { writeFileSync(p, '#!/bin/sh\n'); chmodSync(p, 0o755); };
  exe(join(lower, 'bin/sh'));
  exe(join(lower, 'usr/bin/tool'));
  exe(join(upper, 'usr/bin/tool'));
  writeFileSync(join(lower, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  return { dir, upper, lower };
}

test('links resolve inside the container\'s root: absolute targets, "..", chains; never into the host', (t) => {
  const { dir, upper, lower } = layers(t);
  symlinkSync('/etc/passwd', join(upper, 'bin/abs'));             // the container's /etc/passwd, not the host's
  symlinkSync('../../../../../../etc/passwd', join(upper, 'bin/up')); // ".." stops at the container's root
  symlinkSync('abs', join(upper, 'bin/chain'));
  symlinkSync('/', join(upper, 'bin/root'));
  symlinkSync('loop', join(upper, 'bin/loop'));
  const L = [upper, lower];
  assert.equal(resolveInLayers(L, '/bin/abs'), join(lower, 'etc/passwd'));
  assert.equal(resolveInLayers(L, '/bin/up'), join(lower, 'etc/passwd'));
  assert.equal(resolveInLayers(L, '/bin/chain'), join(lower, 'etc/passwd'));
  assert.equal(resolveInLayers(L, '/bin/root/etc/passwd'), join(lower, 'etc/passwd'));
  assert.equal(resolveInLayers(L, '/../../etc/passwd'), join(lower, 'etc/passwd'));
  assert.equal(resolveInLayers(L, '/etc/shadow'), undefined, 'the host has one; the container does not');
  assert.equal(resolveInLayers(L, '/bin/loop'), undefined);
  assert.equal(resolveInLayers(L, '/bin/sh/x'), undefined, 'a file is not a directory');
  assert.ok(!resolveInLayers(L, '/bin/abs')!.startsWith('/etc'), dir);
});

test('the upper layer wins, and a whiteout hides the file below it', { skip: process.getuid?.() === 0 ? false : 'mknod of a whiteout needs root' }, (t) => {
  const { upper, lower } = layers(t);
  assert.equal(resolveInLayers([upper, lower], '/usr/bin/tool'), join(upper, 'usr/bin/tool'));
  execFileSync('mknod', [join(upper, 'bin/sh'), 'c', '0', '0']);
  assert.equal(resolveInLayers([upper, lower], '/bin/sh'), undefined);
  assert.throws(() => lookPathIn([upper, lower], 'sh', ['PATH=/usr/bin:/bin'], '/'), /exec: "sh": executable file not found in \$PATH/);
});

test('lookPathIn: the container\'s PATH, the last PATH in the environment, a slash taken as it is', (t) => {
  const { upper, lower } = layers(t);
  const L = [upper, lower];
  assert.equal(lookPathIn(L, 'sh', ['PATH=/usr/bin:/bin'], '/'), '/bin/sh');
  assert.equal(lookPathIn(L, 'tool', ['PATH=/nope', 'PATH=/usr/bin'], '/'), '/usr/bin/tool');
  assert.equal(lookPathIn(L, './sh', [], '/bin'), '/bin/sh');
  assert.equal(lookPathIn(L, '/bin/sh', [], '/'), '/bin/sh');
  assert.throws(() => lookPathIn(L, 'sh', [], '/'), /executable file not found/);
  assert.throws(() => lookPathIn(L, 'passwd', ['PATH=/etc'], '/'), /executable file not found/, 'not executable');
  assert.throws(() => lookPathIn(L, 'ls', ['PATH=/bin'], '/'), /exec: "ls": executable file not found in \$PATH/);
});

test('users: names from the container\'s passwd, numeric ids without one, groups by name or number, runc\'s errors', () => {
  const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n# c\nbad:x:y:0::/:\n');
  const group = parseGroup('root:x:0:\nnogroup:x:65534:\nstaff:x:50:a,b\n');
  assert.deepEqual(execUser('', passwd, group), { uid: 0, gid: 0, home: '/root', groups: [0] });
  assert.deepEqual(execUser('nobody', passwd, group), { uid: 65534, gid: 65534, home: '/home', groups: [65534] });
  assert.deepEqual(execUser('nobody:staff', passwd, group), { uid: 65534, gid: 50, home: '/home', groups: [50] });
  assert.deepEqual(execUser('1000', passwd, group), { uid: 1000, gid: 0, home: '/', groups: [0] });
  assert.deepEqual(execUser('1000:1000', passwd, group), { uid: 1000, gid: 1000, home: '/', groups: [1000] });
  assert.deepEqual(execUser('65534', passwd, group), { uid: 65534, gid: 65534, home: '/home', groups: [65534] });
  assert.throws(() => execUser('nosuch', passwd, group), (e: unknown) => e instanceof UnknownUserError && e.message === 'unable to find user nosuch: no matching entries in passwd file');
  assert.throws(() => execUser('root:nosuch', passwd, group), /unable to find group nosuch: no matching entries in group file/);
});

test('groups: the gid, every group whose member list names the user, then GroupAdd (moby getUser over runc)', () => {
  const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nalice:x:1001:100::/home/alice:/bin/sh\n');
  const group = parseGroup('root:x:0:\nwheel:x:10:root,alice\naudio:x:29:alice\nusers:x:100:\nrootish:x:11:rooter\nnogroup:x:65534:\n');
  // Membership by name, in the file's order; a name that merely starts the same is not a member.
  assert.deepEqual(execUser('', passwd, group).groups, [0, 10]);
  assert.deepEqual(execUser('alice', passwd, group).groups, [100, 10, 29]);
  assert.deepEqual(execUser('nobody', passwd, group).groups, [65534]);
  // A uid that has a passwd entry is that user, groups and all; one without gets gid 0 and nothing else.
  assert.deepEqual(execUser('0', passwd, group).groups, [0, 10]);
  assert.deepEqual(execUser('1000', passwd, group).groups, [0]);
  // "user:group" is runc's explicit form: that group only, the member lists not read.
  assert.deepEqual(execUser('alice:audio', passwd, group), { uid: 1001, gid: 29, home: '/home/alice', groups: [29] });
  assert.deepEqual(execUser('root:0', passwd, group).groups, [0]);
  // GroupAdd: by name or gid in the file, a number without an entry as it is, each once; a name must exist.
  assert.deepEqual(execUser('1000', passwd, group, ['1234']).groups, [0, 1234]);
  assert.deepEqual(execUser('', passwd, group, ['audio', '29', 'users', '1234']).groups, [0, 10, 29, 100, 1234]);
  assert.deepEqual(execUser('nobody:users', passwd, group, ['wheel']).groups, [100, 10]);
  assert.throws(() => execUser('', passwd, group, ['nosuch']), (e: unknown) => e instanceof UnknownUserError && e.message === 'unable to find group nosuch: no matching entries in group file');
  assert.throws(() => execUser('', passwd, group, ['4294967296']), /uids and gids must be in range 0-2147483647/);
  // No passwd entry for root at all: still root, with only gid 0.
  assert.deepEqual(execUser('', [], group), { uid: 0, gid: 0, home: '/', groups: [0] });
});

test('the engine\'s /etc files replace a link the container left, never writing through it', (t) => {
  const { dir, upper } = layers(t);
  const outside = join(dir, 'outside');
  writeFileSync(outside, 'untouched');
  symlinkSync(outside, join(upper, 'etc/hostname'));
  writeEtcFiles(upper, 'web-1');
  assert.equal(execFileSync('cat', [outside], { encoding: 'utf8' }), 'untouched');
  assert.equal(execFileSync('cat', [join(upper, 'etc/hostname')], { encoding: 'utf8' }), 'web-1\n');
  rmSync(join(upper, 'etc'), { recursive: true });
  symlinkSync(dir, join(upper, 'etc'));
  assert.throws(() => writeEtcFiles(upper, 'web-1'), /not a directory/);
});
