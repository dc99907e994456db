import { test } from 'node:test';
import assert from 'node:assert/strict';
import chapters from '../../../book.config.ts';
import { checkpointOf, findChapter } from '../../../src/workbook/checkpoint.ts';
import { openDoors, openDoorsWarning } from '../../../src/workbook/open-doors.ts';
import { openDoorsReport } from '../../../scripts/doctor.ts';

const doors = (n: number, uid: number) => { const c = findChapter(n); return openDoors(checkpointOf(c), c, uid); };

test('each open checkpoint names what is open: the API server, the kubelets from chapter 3, who commands run as', () => {
  assert.deepEqual(doors(1, 1000), ['no authentication, no TLS: anyone on this machine can create and delete pods']);
  assert.equal(doors(2, 1000).length, 2);
  assert.match(doors(2, 1000)[0]!, /exec into any pod/);
  assert.match(doors(2, 1000)[1]!, /^commands run as .* \(uid 1000\): any local user can run them as you$/);
  assert.ok(!doors(2, 0).some((l) => l.includes('kubelet')));
  for (const n of [3, 4, 5, 6, 7]) assert.match(doors(n, 1000).join('\n'), /kubelets' ports are open/, `chapter ${n}`);
  assert.equal(doors(6, 0).at(-1), 'commands run as root: an exec here is a root shell for any local user');
});

test('a secured checkpoint says nothing; the warning names the checkpoint and chapter 9', () => {
  const c = findChapter(5);
  assert.equal(openDoorsWarning({ ...checkpointOf(c), secured: true }, c), undefined);
  const w = openDoorsWarning(checkpointOf(c), c, 0)!;
  assert.match(w, /^WARNING: checkpoint 5 \(streaming\) is open to every local user \(chapter 9 closes it\):\n {2}- no authentication/);
});

test('doctor repeats it, and names open checkpoints running now', () => {
  const none = openDoorsReport([]);
  const open = chapters.filter((c) => c.number >= 1 && !checkpointOf(c).secured).map((c) => c.number);
  assert.match(none, new RegExp(`^Open doors: the checkpoints of chapters ${open[0]}-${open.at(-1)} have no authentication and no TLS`));
  assert.doesNotMatch(none, /running now/);
  const running = openDoorsReport([{ slug: 'streaming', stateDir: '/x', kubeconfig: '/x/kubeconfig', pid: 42, since: 0 }]);
  assert.match(running, /! running now: checkpoint 5 \(streaming\), pid 42:\n {4}- no authentication/);
  // The map runs the streaming checkpoint: it is named as what it runs.
  assert.match(openDoorsReport([{ slug: 'map', stateDir: '/x', kubeconfig: '/x/kubeconfig', pid: 7, since: 0 }]), /checkpoint 5 \(streaming\), pid 7/);
});
