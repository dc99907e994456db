// The engine's image store: catalog images built at first pull from busybox-static (nginx with the host's bash and
// its libraries), IDs that are the digest of their config, names kept across restarts, unknown names refused with
// Docker Hub's answer, and two engines building the same image at once ending with one whole copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageNotFoundError } from '../../../src/engine/image-store.ts';
import { createImageStore } from '../../../src/engine/images/store.ts';
import { hostBusybox } from '../../../src/engine/images/rootfs.ts';
import { InvalidReferenceError } from '../../../src/engine/images/reference.ts';

const noBusybox = hostBusybox() ? false : 'busybox-static is not installed (apt-get install busybox-static): the catalog is built from it';
const notRoot = process.getuid?.() === 0 ? false : 'chroot needs root';

function tmp(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'images-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { cacheDir: join(dir, 'cache'), root: join(dir, 'engine') };
}

test('pull builds the image: busybox applets, /etc, its config; the ID is the sha256 of that config', { skip: noBusybox }, async (t) => {
  const { cacheDir, root } = tmp(t);
  const store = createImageStore({ cacheDir, root });
  assert.deepEqual(store.list(), []);
  assert.equal(store.get('busybox'), undefined);
  const img = await store.pull('busybox');
  assert.deepEqual(img.repoTags, ['busybox:latest']);
  assert.match(img.repoDigests[0]!, /^busybox@sha256:[a-f0-9]{64}$/);
  assert.deepEqual(img.config.Cmd, ['sh']);
  assert.equal(img.config.Entrypoint, null);
  assert.ok(img.config.Env.includes('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'));
  for (const f of ['bin/sh', 'bin/ls', 'bin/ps', 'bin/hostname', 'usr/sbin/httpd', 'etc/passwd', 'etc/group']) {
    assert.ok(existsSync(join(img.rootfs, f)), f);
  }
  assert.equal(statSync(join(img.rootfs, 'bin/sh')).ino, statSync(join(img.rootfs, 'bin/busybox')).ino, 'applets are hard links');
  assert.equal(statSync(join(img.rootfs, 'tmp')).mode & 0o7777, 0o1777);
  const { config } = JSON.parse(readFileSync(join(img.rootfs, '..', 'image.json'), 'utf8'));
  assert.equal(img.id, `sha256:${createHash('sha256').update(JSON.stringify(config)).digest('hex')}`);
  assert.ok(img.size >= statSync('/bin/busybox').size && img.size < 64 << 20, `size ${img.size}`);
  assert.deepEqual(store.list().map((i) => i.id), [img.id]);
});

test('nginx has the host\'s bash with every library ldd names, and runs it in its root (chroot)', { skip: noBusybox || notRoot }, async (t) => {
  const { cacheDir } = tmp(t);
  const img = await createImageStore({ cacheDir }).pull('docker.io/library/nginx:1.27');
  assert.deepEqual(img.repoTags, ['nginx:1.27']);
  assert.deepEqual(img.config.Cmd, ['nginx', '-g', 'daemon off;']);
  const out = execFileSync('/usr/sbin/chroot', [img.rootfs, '/bin/bash', '-c', 'echo "$BASH_VERSION"; ls /usr/share/nginx/html'], { encoding: 'utf8', env: {} });
  assert.match(out, /^\d+\.\d+/);
  assert.match(out, /index\.html/);
});

test('get finds a pulled image by any of its names, full or short ID, and repo digest; rmi untags', { skip: noBusybox }, async (t) => {
  const { cacheDir, root } = tmp(t);
  const store = createImageStore({ cacheDir, root });
  const pause = await store.pull('registry.k8s.io/pause:3.10');
  const again = await store.pull('pause');
  assert.equal(again.id, pause.id, 'one image under two repositories');
  assert.deepEqual(again.repoTags.sort(), ['pause:latest', 'registry.k8s.io/pause:3.10']);
  assert.equal(again.repoDigests.length, 2);
  const hex = pause.id.slice(7);
  for (const ref of ['pause', 'pause:latest', 'docker.io/library/pause', 'registry.k8s.io/pause:3.10', pause.id, hex, hex.slice(0, 12), again.repoDigests[0]!]) {
    assert.equal(store.get(ref)?.id, pause.id, ref);
  }
  assert.equal(store.get('registry.k8s.io/pause'), undefined, 'only :3.10 was pulled from that repository');
  assert.equal(store.get('nginx'), undefined);
  assert.equal(store.get('Not A Name'), undefined);

  // Names survive the engine: a new store over the same folder lists them.
  const later = createImageStore({ cacheDir, root });
  assert.deepEqual(later.list().map((i) => i.repoTags.sort()), [['pause:latest', 'registry.k8s.io/pause:3.10']]);
  later.remove!('pause');
  assert.deepEqual(later.get(pause.id)?.repoTags, ['registry.k8s.io/pause:3.10']);
  later.remove!(hex.slice(0, 12));
  assert.deepEqual(later.list(), []);
  assert.deepEqual(createImageStore({ cacheDir, root }).list(), []);
});

test('an unknown repository is refused as Docker Hub refuses it; a bad name as the daemon does; nothing is pulled', async (t) => {
  const { cacheDir } = tmp(t);
  const store = createImageStore({ cacheDir });
  const denied = (name: string) => `pull access denied for ${name}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
  await assert.rejects(store.pull('foo'), (e: unknown) => e instanceof ImageNotFoundError && e.message === denied('foo'));
  await assert.rejects(store.pull('someone/nginx:1'), (e: unknown) => e instanceof ImageNotFoundError && e.message === denied('someone/nginx'));
  await assert.rejects(store.pull('quay.io/x/y'), (e: unknown) => e instanceof ImageNotFoundError && e.message === denied('quay.io/x/y'));
  await assert.rejects(store.pull('UPPER'), InvalidReferenceError);
  assert.deepEqual(store.list(), []);
  assert.equal(existsSync(cacheDir), false, 'nothing built for a refused name');
});

test('a pull by a digest that is not the image\'s is manifest unknown', { skip: noBusybox }, async (t) => {
  const { cacheDir } = tmp(t);
  const store = createImageStore({ cacheDir });
  const img = await store.pull('busybox');
  const digest = img.repoDigests[0]!.split('@')[1]!;
  const other = `sha256:${'0'.repeat(64)}`;
  await assert.rejects(store.pull(`busybox@${other}`), (e: unknown) => e instanceof ImageNotFoundError
    && e.message === `manifest for busybox@${other} not found: manifest unknown: manifest unknown`);
  const byDigest = await createImageStore({ cacheDir }).pull(`busybox@${digest}`);
  assert.deepEqual(byDigest.repoTags, []);
  assert.deepEqual(byDigest.repoDigests, [`busybox@${digest}`]);
});

test('two engines building the same image at once end with one whole copy and no temporary folder', { skip: noBusybox }, async (t) => {
  const { cacheDir } = tmp(t);
  const script = `import { createImageStore } from ${JSON.stringify(new URL('../../../src/engine/images/store.ts', import.meta.url).href)};
    const img = await createImageStore({ cacheDir: process.argv[1] }).pull('nginx'); console.log(img.id, img.rootfs);`;
  const pull = () => new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, cacheDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`pull exited ${code}`))));
  });
  const [a, b] = await Promise.all([pull(), pull()]);
  assert.equal(a, b, 'same ID, same folder');
  assert.deepEqual(readdirSync(cacheDir).filter((n) => n.startsWith('.build-')), []);
  assert.equal(readdirSync(cacheDir).length, 1);
});
