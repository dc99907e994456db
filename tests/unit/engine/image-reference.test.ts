// Image references read as the engine reads them (distribution/reference): docker.io and library/ filled in,
// registries told from paths, tags and digests split, bad names refused with moby's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidReferenceError, familiarName, familiarString, parseNormalizedNamed, repositoryName, withDefaultTag } from '../../../src/engine/images/reference.ts';

const digest = `sha256:${'ab'.repeat(32)}`;

test('parseNormalizedNamed: short names are docker.io/library, registries are told by a dot, a port or localhost', () => {
  const cases: [string, string, string | undefined, string | undefined][] = [
    ['nginx', 'docker.io/library/nginx', undefined, undefined],
    ['nginx:1.27', 'docker.io/library/nginx', '1.27', undefined],
    ['library/nginx', 'docker.io/library/nginx', undefined, undefined],
    ['docker.io/library/nginx:latest', 'docker.io/library/nginx', 'latest', undefined],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx', undefined, undefined],
    ['user/app', 'docker.io/user/app', undefined, undefined],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause', '3.10', undefined],
    ['localhost:5000/app:v1', 'localhost:5000/app', 'v1', undefined],
    ['localhost/app', 'localhost/app', undefined, undefined],
    [`nginx@${digest}`, 'docker.io/library/nginx', undefined, digest],
    [`nginx:1.27@${digest}`, 'docker.io/library/nginx', '1.27', digest],
  ];
  for (const [ref, repo, tag, dig] of cases) {
    const r = parseNormalizedNamed(ref);
    assert.equal(repositoryName(r), repo, ref);
    assert.equal(r.tag, tag, ref);
    assert.equal(r.digest, dig, ref);
  }
});

test('familiar names drop docker.io and library/, as the CLI prints them; no tag means latest', () => {
  assert.equal(familiarString(withDefaultTag(parseNormalizedNamed('docker.io/library/busybox'))), 'busybox:latest');
  assert.equal(familiarName(parseNormalizedNamed('docker.io/user/app:v2')), 'user/app');
  assert.equal(familiarString(withDefaultTag(parseNormalizedNamed('registry.k8s.io/pause'))), 'registry.k8s.io/pause:latest');
  assert.equal(familiarString(withDefaultTag(parseNormalizedNamed(`nginx@${digest}`))), `nginx@${digest}`);
});

test('bad references are refused with the engine\'s messages', () => {
  const refuse = (ref: string, message: string) =>
    assert.throws(() => parseNormalizedNamed(ref), (e: unknown) => e instanceof InvalidReferenceError && e.message === message, ref);
  refuse('', 'invalid reference format');
  refuse('nginx:', 'invalid reference format');
  refuse('nginx:bad tag', 'invalid reference format');
  refuse('-nginx', 'invalid reference format');
  refuse('nginx@sha256:xyz', 'invalid reference format');
  refuse('../../etc', 'invalid reference format');
  refuse('Nginx', 'invalid reference format: repository name (library/Nginx) must be lowercase');
  refuse('ab'.repeat(32), `invalid repository name (${'ab'.repeat(32)}), cannot specify 64-byte hexadecimal strings`);
});
