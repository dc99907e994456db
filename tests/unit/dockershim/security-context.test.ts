// cri-dockerd's mapping of a CRI LinuxContainerSecurityContext: Config.User and HostConfig.GroupAdd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LinuxContainerSecurityContext } from '../../../src/cri/proto.ts';
import type { ContainerConfig, HostConfig } from '../../../src/dockershim/libdocker.ts';
import { modifyContainerConfig, modifyHostConfig } from '../../../src/dockershim/security-context.ts';

const apply = (sc: LinuxContainerSecurityContext | null) => {
  const config: ContainerConfig = { Image: 'busybox' };
  const hostConfig: HostConfig = { IpcMode: 'container:x' };
  modifyContainerConfig(sc, config);
  modifyHostConfig(sc, hostConfig);
  return { User: config.User, GroupAdd: hostConfig.GroupAdd };
};

test('uid, then ":gid"; the supplemental groups as GroupAdd, by number', () => {
  assert.deepEqual(apply({ run_as_user: { value: '1000' }, run_as_group: { value: '3000' }, supplemental_groups: ['2000', '4000'] }),
    { User: '1000:3000', GroupAdd: ['2000', '4000'] });
  assert.deepEqual(apply({ run_as_user: { value: '0' } }), { User: '0', GroupAdd: undefined }, 'root is a uid like any other');
  assert.deepEqual(apply({ run_as_username: 'nginx', run_as_group: { value: '101' } }), { User: 'nginx:101', GroupAdd: undefined });
  assert.deepEqual(apply({ run_as_user: { value: '5' }, run_as_username: 'nginx' }), { User: 'nginx', GroupAdd: undefined }, 'a name wins over a uid, as upstream');
  assert.deepEqual(apply(null), { User: undefined, GroupAdd: undefined });
});

test('a group with no user is refused, with cri-dockerd\'s words', () => {
  assert.throws(() => apply({ run_as_group: { value: '3000' } }), { message: 'runAsGroup is specified without a runAsUser' });
});
