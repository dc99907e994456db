// Supplementary groups through the real docker CLI: what `id` prints in a container and its execs, as docker and runc
// give them (moby getUser: the gid, the groups of /etc/group that list the user, HostConfig.GroupAdd).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dockerCLI, docker, startTestEngine, type TestEngine } from '../fixtures/engine.ts';
import { namespaceSupport } from '../../src/engine/linux/support.ts';

const support = namespaceSupport();
const skip = !dockerCLI ? 'the docker CLI is not installed'
  : !support.ok ? `real containers cannot be made here (${support.reason}); CI runs these as root` : false;
let engine: TestEngine;
const d = (...args: string[]) => docker(engine, args);
const name = `groups-${randomBytes(3).toString('hex')}`;

before(async () => {
  if (skip) return;
  engine = await startTestEngine();
  const run = await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  assert.equal(run.code, 0, run.stderr);
});
after(async () => {
  if (engine) await d('rm', '-f', name);
  await engine?.stop();
});

test('docker exec c id: root with the groups /etc/group lists it in (wheel), not the engine\'s own', { skip }, async () => {
  const r = await d('exec', name, 'id');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'uid=0(root) gid=0(root) groups=0(root),10(wheel)\n', '']);
});

test('docker exec -u: a named user gets its gid as its group; a uid without a passwd entry gets gid 0 alone', { skip }, async () => {
  const nobody = await d('exec', '-u', 'nobody', name, 'id');
  assert.deepEqual([nobody.code, nobody.stdout], [0, 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n']);
  const numeric = await d('exec', '-u', '1000', name, 'id');
  assert.deepEqual([numeric.code, numeric.stdout], [0, 'uid=1000 gid=0(root) groups=0(root)\n']);
  // A uid that has an entry is that user, member lists and all.
  assert.equal((await d('exec', '-u', '0', name, 'id')).stdout, 'uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
  // "user:group", runc's explicit form: that group only.
  assert.equal((await d('exec', '-u', 'root:tty', name, 'id')).stdout, 'uid=0(root) gid=5(tty) groups=5(tty)\n');
  // A user the container's files do not have: dockerd's lookup fails, its words after the hijack, exit 126.
  const unknown = await d('exec', '-u', 'nosuch', name, 'id');
  assert.deepEqual([unknown.code, unknown.stdout], [126, 'unable to find user nosuch: no matching entries in passwd file\r\n']);
});

test('docker run --group-add: a gid without an entry, a group by name, for the container and its execs', { skip }, async () => {
  const r = await d('run', '--rm', '--group-add', '1234', 'busybox', 'id');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'uid=0(root) gid=0(root) groups=0(root),10(wheel),1234\n', '']);
  const c = `${name}-add`;
  assert.equal((await d('run', '-d', '--name', c, '--group-add', 'tty', '--group-add', '1234', '-u', 'nobody', 'busybox', 'sleep', '1000')).code, 0);
  try {
    // The kernel keeps a process's groups sorted: id lists them in gid order.
    assert.equal((await d('exec', c, 'id')).stdout, 'uid=65534(nobody) gid=65534(nogroup) groups=5(tty),1234,65534(nogroup)\n');
    assert.equal((await d('exec', '-u', 'root', c, 'id')).stdout, 'uid=0(root) gid=0(root) groups=0(root),5(tty),10(wheel),1234\n');
    assert.equal((await d('inspect', '--format', '{{json .HostConfig.GroupAdd}}', c)).stdout, '["tty","1234"]\n');
  } finally { await d('rm', '-f', c); }
  assert.equal((await d('inspect', '--format', '{{json .HostConfig.GroupAdd}}', name)).stdout, 'null\n');
  const unknown = await d('run', '--rm', '--group-add', 'nosuch', 'busybox', 'id');
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /^docker: Error response from daemon: unable to find group nosuch: no matching entries in group file/);
});

test('with a terminal too (-t): the container\'s process and an exec get the same groups', { skip }, async () => {
  const run = await d('run', '--rm', '-t', '-u', 'nobody', '--group-add', '1234', 'busybox', 'id');
  assert.deepEqual([run.code, run.stdout], [0, 'uid=65534(nobody) gid=65534(nogroup) groups=1234,65534(nogroup)\r\n']);
  const exec = await d('exec', '-t', name, 'id');
  assert.deepEqual([exec.code, exec.stdout], [0, 'uid=0(root) gid=0(root) groups=0(root),10(wheel)\r\n']);
});

test('a plain exec keeps the groups the container started with; an exec naming a user reads /etc/group again', { skip }, async () => {
  const c = `${name}-later`;
  assert.equal((await d('run', '-d', '--name', c, 'busybox', 'sleep', '1000')).code, 0);
  try {
    assert.equal((await d('exec', c, 'sh', '-c', 'echo extra:x:77:root >> /etc/group')).code, 0);
    assert.equal((await d('exec', c, 'id')).stdout, 'uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
    assert.equal((await d('exec', '-u', 'root', c, 'id')).stdout, 'uid=0(root) gid=0(root) groups=0(root),10(wheel),77(extra)\n');
  } finally { await d('rm', '-f', c); }
});
