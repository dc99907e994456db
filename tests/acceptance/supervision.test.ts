// The checkpoint supervisor as a node's systemd: a component that crashes is restarted (backoff, a log line, the
// same address), one stopped on purpose with `npm run component` stays stopped until started again, and a shim
// killed with SIGKILL leaves no exec'd process behind (its successor ends them from their records).
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { repoRoot, startCheckpoint, type RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { RESTClient } from '../../src/client/rest-client.ts';
import { waitFor } from '../../src/util/wait.ts';
import type { Node, Pod } from '../../src/api/types.ts';

const run = promisify(execFile);
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const pidsWith = (marker: string): number[] => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() === marker; } catch { return false; }
}).map(Number);
const component = (cp: RunningCheckpoint, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/component.ts', ...args], { cwd: repoRoot, env: cp.env });

function helpers(cp: () => RunningCheckpoint) {
  const client = () => new RESTClient({ server: cp().announcements.apiserver!.url! });
  const ready = (node: string, status: string) => waitFor(async () => {
    const n = await client().get<Node>(`/api/v1/nodes/${node}`);
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === status;
  }, { timeoutMs: 30_000, what: `${node} Ready=${status}` });
  const runningPod = async (name: string) => {
    await client().post<Pod>('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name, image: 'nginx' }] } });
    return waitFor(async () => {
      const p = await client().get<Pod>(`/api/v1/namespaces/default/pods/${name}`);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running && p;
    }, { timeoutMs: 30_000, what: `pod ${name} Running` });
  };
  return { client, ready, runningPod };
}

describe('chapter 3 (nodes): restarts and npm run component', () => {
  let cp: RunningCheckpoint;
  const h = helpers(() => cp);
  before(async () => { cp = await startCheckpoint('nodes'); });
  after(async () => { await cp?.stop(); });

  test('a kubelet killed with SIGKILL is restarted, with a log line, on the same port', async () => {
    const before = cp.announcements['kubelet-node-1']!;
    process.kill(before.pid, 'SIGKILL');
    await waitFor(() => cp.announcements['kubelet-node-1']!.pid !== before.pid && cp.announcements['kubelet-node-1'], { timeoutMs: 30_000, what: 'kubelet-node-1 to be restarted' });
    assert.equal(cp.announcements['kubelet-node-1']!.url, before.url, 'the Node object still points at it');
    assert.ok(cp.logs().some((l) => /^\[supervisor\] kubelet-node-1 exited unexpectedly \(signal SIGKILL\): restarting it in 1s$/.test(l)), cp.logs().join('\n'));
    assert.ok(cp.logs().some((l) => /^\[supervisor\] kubelet-node-1 restarted \(pid \d+, restart 1\)$/.test(l)));
    await h.ready('node-1', 'True');
  });

  test('npm run component -- stop: stays stopped (the node turns NotReady); start brings it back', async () => {
    const { pid } = cp.announcements['kubelet-node-2']!;
    const stopped = await component(cp, 'stop', 'kubelet-node-2', '--signal=SIGKILL');
    assert.equal(stopped.stdout, 'kubelet-node-2 stopped (SIGKILL); it stays stopped until: npm run component -- start kubelet-node-2\n');
    assert.equal(alive(pid), false);
    const list = await component(cp, 'list');
    assert.match(list.stdout, /^kubelet-node-2\s+stopped\s+0\n/m, 'not restarting');
    await h.ready('node-2', 'Unknown');
    assert.match((await component(cp, 'list')).stdout, /^kubelet-node-2\s+stopped\s/m, 'still stopped after the node turned NotReady');
    const started = await component(cp, 'start', 'kubelet-node-2');
    assert.equal(started.stdout, 'kubelet-node-2 started\n');
    await h.ready('node-2', 'True');
    await assert.rejects(component(cp, 'start', 'kubelet-node-2'), /kubelet-node-2 is already running/);
    await assert.rejects(component(cp, 'stop', 'kubelet-node-9'), /has no component "kubelet-node-9"; it has: apiserver, scheduler, kubelet-node-1, kubelet-node-2/);
  });

  // Its objects are in its state folder (storage/journal.ts), as a real one's are in etcd: without them the kubelets
  // would stop every container of pods that are "gone".
  test('the API server killed with SIGKILL comes back with its objects: the pod keeps its container, exec works', async () => {
    const pod = await h.runningPod('survivor');
    const before = cp.announcements.apiserver!;
    process.kill(before.pid, 'SIGKILL');
    await waitFor(() => cp.announcements.apiserver!.pid !== before.pid && cp.announcements.apiserver, { timeoutMs: 30_000, what: 'the API server to be restarted' });
    const after = await h.client().get<Pod>('/api/v1/namespaces/default/pods/survivor');
    const container = (p: Pod) => [p.metadata.uid, p.status?.containerStatuses?.[0]?.containerID, p.status?.containerStatuses?.[0]?.restartCount];
    assert.deepEqual(container(after), container(pod));
    assert.equal(cp.logs().some((l) => /SyncLoop REMOVE default\/survivor/.test(l)), false, 'the kubelet never saw the pod go');
    // Revisions go on from where they were: a new object's resourceVersion is newer than any the pod had.
    const next = await h.client().post<Pod>('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after-restart' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    assert.ok(Number(next.metadata.resourceVersion) > Number(after.metadata.resourceVersion));
    const r = await run('kubectl', ['--kubeconfig', cp.kubeconfig, 'exec', 'survivor', '--', 'echo', 'still here'], { env: cp.env }).catch((err) => err);
    if (r.code === 'ENOENT') return; // no real kubectl on this machine: the rest is checked
    assert.equal(r.stdout, 'still here\n', r.stderr);
  });
});

describe('chapter 5 (streaming): a shim killed with SIGKILL', () => {
  let cp: RunningCheckpoint;
  const h = helpers(() => cp);
  before(async () => { cp = await startCheckpoint('streaming'); });
  after(async () => { await cp?.stop(); });

  test('an exec\'s background process dies with the container, and the shim is restarted', async (t) => {
    if (!await new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)))) return t.skip('the real kubectl is not on PATH');
    const pod = await h.runningPod('web');
    const node = pod.spec.nodeName!;
    const marker = `${1000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    const exec = spawn('kubectl', ['exec', 'web', '--', 'sh', '-c', `sleep ${marker} & echo started; wait`], { env: cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => exec.kill('SIGKILL'));
    let out = '';
    exec.stdout!.on('data', (d) => { out += d; });
    exec.on('error', () => {});
    await waitFor(() => out.includes('started') && pidsWith(`sleep ${marker}`).length === 1, { timeoutMs: 30_000, what: 'the exec\'s background sleep to run' });
    const shim = cp.announcements[`shim-${node}`]!.pid;
    process.kill(shim, 'SIGKILL');
    await waitFor(() => pidsWith(`sleep ${marker}`).length === 0, { timeoutMs: 30_000, what: `sleep ${marker} to end with its container` });
    await waitFor(() => cp.announcements[`shim-${node}`]!.pid !== shim, { timeoutMs: 30_000, what: 'the shim to be restarted' });
    assert.ok(cp.logs().some((l) => l.startsWith(`[supervisor] shim-${node} exited unexpectedly (signal SIGKILL)`)));
  });
});
