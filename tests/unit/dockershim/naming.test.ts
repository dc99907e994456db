// dockershim's container names and labels: CRI metadata in, the same metadata back out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractLabels, makeContainerName, makeLabels, makeSandboxName, parseContainerName, parseSandboxName, rfc3339ToNanos } from '../../../src/dockershim/naming.ts';

const sandbox = { metadata: { name: 'nginx', namespace: 'default', uid: '6f1c-aa', attempt: 1 } };

test('sandbox and container names carry the CRI metadata, and parse back (with the engine\'s leading slash)', () => {
  assert.equal(makeSandboxName(sandbox), 'k8s_POD_nginx_default_6f1c-aa_1');
  assert.deepEqual(parseSandboxName('/k8s_POD_nginx_default_6f1c-aa_1'), sandbox.metadata);
  const name = makeContainerName(sandbox, { metadata: { name: 'web', attempt: 2 } });
  assert.equal(name, 'k8s_web_nginx_default_6f1c-aa_2');
  assert.deepEqual(parseContainerName(`/${name}`), { name: 'web', attempt: 2 });
  assert.deepEqual(parseContainerName('/k8s_web_nginx_default_6f1c-aa_2_0badf00d'), { name: 'web', attempt: 2 }, 'a conflict suffix is tolerated');
  assert.throws(() => parseContainerName('/elated_turing'), /failed to parse the container name/);
  assert.throws(() => parseContainerName('/x_web_nginx_default_u_2'), /not managed by kubernetes/);
});

test('annotations ride in labels under "annotation."; dockershim\'s own labels are hidden from the CRI', () => {
  const all: Record<string, string> = { ...makeLabels({ app: 'web' }, { 'kubernetes.io/config.seen': 'now' }), 'io.kubernetes.docker.type': 'container', 'io.kubernetes.sandbox.id': 'abc' };
  assert.equal(all['annotation.kubernetes.io/config.seen'], 'now');
  assert.deepEqual(extractLabels(all), { labels: { app: 'web' }, annotations: { 'kubernetes.io/config.seen': 'now' } });
});

test('the engine\'s RFC 3339 times become CRI nanoseconds; Go\'s zero time is 0', () => {
  assert.equal(rfc3339ToNanos('2026-12-02T05:00:00.123456789Z'), (BigInt(Date.parse('2026-12-02T05:00:00Z')) * 1_000_000n + 123456789n).toString());
  assert.equal(rfc3339ToNanos('2026-12-02T05:00:00Z'), (BigInt(Date.parse('2026-12-02T05:00:00Z')) * 1_000_000n).toString());
  assert.equal(rfc3339ToNanos('0001-01-01T00:00:00Z'), '0');
});
