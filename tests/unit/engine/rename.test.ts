// Unit tests for the daemon's rename (moby daemon/rename.go): the name index and the record moved together, the
// refusals and their statuses, the event with the old name. No process is started: a created container suffices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerBackend } from '../../../src/engine/backend.ts';
import { Daemon } from '../../../src/engine/daemon.ts';
import { EngineError } from '../../../src/engine/errors.ts';
import type { EngineImage, ImageStore } from '../../../src/engine/image-store.ts';

const image: EngineImage = { id: `sha256:${'a'.repeat(64)}`, repoTags: ['busybox:latest'], repoDigests: [], created: 0, size: 0,
  config: { Entrypoint: null, Cmd: ['sh'], Env: [], WorkingDir: '', User: '' }, rootfs: '/nonexistent' };
const images: ImageStore = { list: () => [image], get: (ref) => (ref === 'busybox' ? image : undefined), pull: async () => image };
const backend = { kind: 'processes', description: '' } as unknown as ContainerBackend; // never asked: nothing starts

function daemon(t: { after(fn: () => void): void }): Daemon {
  const root = mkdtempSync(join(tmpdir(), 'rename-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return new Daemon({ root, backend, images, log: () => {} });
}
const refusal = (fn: () => unknown) => { try { fn(); } catch (err) { return [(err as EngineError).statusCode, (err as Error).message]; } return undefined; };

test('rename: found by the new name only, the record on disk renamed, an event with oldName', (t) => {
  const d = daemon(t);
  const { Id } = d.create('web', { Image: 'busybox' });
  const seen: Record<string, string>[] = [];
  d.events.subscribe(undefined, (e) => { if (e.Action === 'rename') seen.push(e.Actor.Attributes); }, true);
  d.rename('web', 'api');
  assert.equal(d.get('api').rec.ID, Id);
  assert.equal(d.get('/api').rec.Name, '/api');
  assert.deepEqual(refusal(() => d.get('web')), [404, 'No such container: web']);
  assert.equal(JSON.parse(readFileSync(join(d.get('api').dir, 'config.v2.json'), 'utf8')).Name, '/api');
  assert.deepEqual(seen, [{ image: 'busybox', name: 'api', oldName: '/web' }]);
  d.create('web', { Image: 'busybox' }); // the old name is free
  d.rename(Id.slice(0, 8), '/by-prefix'); // any reference finds it; a leading slash is the same name
  assert.equal(d.get('by-prefix').rec.ID, Id);
});

test('rename: refusals, each with dockerd\'s status and words, and nothing changed by them', (t) => {
  const d = daemon(t);
  d.create('one', { Image: 'busybox' });
  const two = d.create('two', { Image: 'busybox' }).Id;
  assert.deepEqual(refusal(() => d.rename('one', 'two')), [409, `Error when allocating new name: Conflict. The container name "/two" is already in use by container "${two}". You have to remove (or rename) that container to be able to reuse that name.`]);
  assert.deepEqual(refusal(() => d.rename('one', 'b@d')), [400, 'Error when allocating new name: Invalid container name (/b@d), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed']);
  assert.deepEqual(refusal(() => d.rename('one', '../x')), [400, 'Error when allocating new name: Invalid container name (/../x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed']);
  assert.deepEqual(refusal(() => d.rename('one', 'one')), [400, 'Renaming a container with the same name as its current name']);
  assert.deepEqual(refusal(() => d.rename('one', '')), [400, 'Neither old nor new names may be empty']);
  assert.deepEqual(refusal(() => d.rename('nope', 'other')), [404, 'No such container: nope']);
  assert.equal(d.get('one').rec.Name, '/one');
  assert.equal(d.get('two').rec.ID, two);
});
