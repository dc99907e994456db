// The kubelet's effective security context (determineEffectiveSecurityContext): the container's fields over the
// pod's, the image's user when none is given, fsGroup and supplementalGroups as the supplementary groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, PodSecurityContext } from '../../../src/api/types.ts';
import type { Image } from '../../../src/cri/proto.ts';
import { determineEffectiveSecurityContext, imageUser } from '../../../src/kubelet/security-context.ts';

const pod = (sc?: PodSecurityContext, c: Partial<Container> = {}): [Pod, Container] => {
  const container: Container = { name: 'app', image: 'busybox', ...c };
  return [{ metadata: { name: 'p' }, spec: { containers: [container], ...(sc ? { securityContext: sc } : {}) } }, container];
};
const root = { uid: 0, username: '' };

test('the pod\'s user, group and groups; fsGroup comes first among the supplementary groups', () => {
  const [p, c] = pod({ runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000, 4001], fsGroup: 2000 });
  assert.deepEqual(determineEffectiveSecurityContext(p, c, root),
    { run_as_user: { value: 1000 }, run_as_group: { value: 3000 }, supplemental_groups: [2000, 4000, 4001] });
});

test('a container\'s runAsUser and runAsGroup override the pod\'s, field by field; the groups stay the pod\'s', () => {
  const [p, c] = pod({ runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000] }, { securityContext: { runAsUser: 2000 } });
  assert.deepEqual(determineEffectiveSecurityContext(p, c, root),
    { run_as_user: { value: 2000 }, run_as_group: { value: 3000 }, supplemental_groups: [4000] });
  const [p2, c2] = pod(undefined, { securityContext: { runAsGroup: 5 } });
  assert.deepEqual(determineEffectiveSecurityContext(p2, c2, root), { run_as_group: { value: 5 }, run_as_user: { value: 0 }, run_as_username: '' });
});

test('with no runAsUser the image\'s user goes: its uid, its name, or root when it names none', () => {
  const [p, c] = pod({}, {});
  assert.deepEqual(determineEffectiveSecurityContext(p, c, root), { run_as_user: { value: 0 }, run_as_username: '' });
  assert.deepEqual(determineEffectiveSecurityContext(p, c, { username: 'nginx' }), { run_as_username: 'nginx' });
  const [p2, c2] = pod({ runAsUser: 7 });
  assert.deepEqual(determineEffectiveSecurityContext(p2, c2, { username: 'nginx' }), { run_as_user: { value: 7 } }, 'runAsUser wins over the image');
  const img = (over: Partial<Image>): Image => ({ id: 'sha256:x', repo_tags: [], repo_digests: [], size: 0, username: '', spec: null, pinned: false, ...over });
  assert.deepEqual(imageUser(img({ uid: { value: '101' } })), { uid: 101, username: '' });
  assert.deepEqual(imageUser(img({ username: 'redis' })), { username: 'redis' });
  assert.deepEqual(imageUser(img({})), root);
  assert.deepEqual(imageUser(null), root);
});
