// Chapter 3's checkpoint, driven as a reader would: two nodes Ready, pods spread over them, each exec lands on
// its pod's node (proven from inside the command), a dead kubelet gives an error naming it (mid-stream too), the node turns
// NotReady and its pods not Ready (a live kubelet writes Ready back), many execs leave no connection behind, and
// chapter 3's walk heals a degraded checkpoint before it starts.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startCheckpoint, type RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { RESTClient } from '../../src/client/rest-client.ts';
import { waitFor } from '../../src/util/wait.ts';
import type { List, Node, Pod } from '../../src/api/types.ts';
import { execScenarios } from './exec-scenarios.ts';

// Cumulative: every chapter-2 exec scenario, now through ExecLocation, the proxy and a kubelet.
execScenarios('nodes');

interface Run { code: number; stdout: string; stderr: string }
function run(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}
const hasKubectl = () => new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)));
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

describe('chapter 3 (nodes): the two-node checkpoint', () => {
  let cp: RunningCheckpoint;
  let client: RESTClient;
  let kubectl = false;
  const k = (...args: string[]) => run('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], cp.env);

  before(async () => {
    kubectl = await hasKubectl();
    cp = await startCheckpoint('nodes');
    client = new RESTClient({ server: cp.announcements.apiserver!.url! });
  });
  after(async () => { await cp?.stop(); });

  const createPod = (name: string, extra: Partial<Pod['spec']> = {}) => client.post<Pod>('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name, image: 'nginx', env: [
      // The downward API: the kubelet fills these in (a real node sets neither by itself).
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ] }], ...extra },
  });
  const running = (name: string) => waitFor(async () => {
    const p = await client.get<Pod>(`/api/v1/namespaces/default/pods/${name}`);
    return p.status?.phase === 'Running' && p;
  }, { timeoutMs: 20_000, what: `pod ${name} Running` });

  test('both kubelets registered Ready nodes that publish their kubelet port', async () => {
    const nodes = await waitFor(async () => {
      const list = await client.get<List<Node>>('/api/v1/nodes');
      const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 2 && list.items;
    }, { what: 'two Ready nodes' });
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), ['node-1', 'node-2']);
    for (const n of nodes) {
      const url = new URL(cp.announcements[`kubelet-${n.metadata.name}`]!.url!);
      assert.equal(n.status?.daemonEndpoints?.kubeletEndpoint?.Port, Number(url.port));
      assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.0');
    }
  });

  test('kubectl get nodes shows both Ready', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const r = await k('get', 'nodes');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
    assert.match(r.stdout, /\nnode-1\s+Ready\s+<none>\s+\S+\s+v1\.32\.0\n/);
    assert.match(r.stdout, /\nnode-2\s+Ready\s+<none>\s+\S+\s+v1\.32\.0\n/);
  });

  test('pods spread over both nodes, and each exec lands on its pod\'s node', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    for (const name of ['spread-a', 'spread-b', 'spread-c', 'spread-d']) await createPod(name);
    const pods = await Promise.all(['spread-a', 'spread-b', 'spread-c', 'spread-d'].map(running));
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
    assert.deepEqual([...perNode.entries()].sort(), [['node-1', 2], ['node-2', 2]]);
    for (const p of pods) {
      const r = await k('exec', p.metadata.name!, '--', 'sh', '-c', 'echo $NODE_NAME $POD_NAME; pwd');
      assert.equal(r.code, 0, r.stderr);
      const [who, dir] = r.stdout.trim().split('\n');
      assert.equal(who, `${p.spec.nodeName} ${p.metadata.name}`);
      assert.ok(dir!.startsWith(`${cp.stateDir}/${p.spec.nodeName}/pods/default_${p.metadata.name}_${p.metadata.uid}/`), dir);
    }
    const wide = await k('get', 'po', 'spread-a', '-o', 'wide');
    assert.match(wide.stdout, new RegExp(`spread-a\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+127\\.0\\.0\\.1\\s+${pods[0]!.spec.nodeName}\\s`));
  });

  test('a deleted pod is killed by its kubelet: its folder goes, and the kubelet stops listing it', async () => {
    const pod = await createPod('doomed');
    const bound = await running('doomed');
    const dir = `${cp.stateDir}/${bound.spec.nodeName}/pods/default_doomed_${pod.metadata.uid}`;
    await waitFor(() => existsSync(dir), { what: `${dir} to exist` });
    await client.delete(`/api/v1/namespaces/default/pods/doomed`);
    await waitFor(() => !existsSync(dir), { what: `${dir} to be removed` });
    const kubeletPods = await (await fetch(`${cp.announcements[`kubelet-${bound.spec.nodeName}`]!.url}/pods`)).json() as List<Pod>;
    assert.ok(!kubeletPods.items.some((p) => p.metadata.name === 'doomed'));
  });

  test('an unscheduled pod: ExecLocation says it has no host', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    await createPod('nowhere', { schedulerName: 'no-such-scheduler' });
    const r = await k('exec', 'nowhere', '--', 'date');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pod nowhere does not have a host assigned/);
  });

  test('CVE-2018-1002105\'s trigger, a no-stream exec: the kubelet\'s plain 400 comes back through the API server, which then closes; a request sent after it is never answered', async () => {
    await createPod('nostream');
    await running('nostream');
    const { port } = new URL(cp.announcements.apiserver!.url!);
    const { connect } = await import('node:net');
    const sock = connect(Number(port), '127.0.0.1');
    let answer = '';
    let closed = false;
    sock.on('data', (c) => { answer += c.toString('latin1'); });
    sock.on('error', () => undefined);
    sock.on('close', () => { closed = true; });
    // After the upgrade request, on the same connection, a request meant for the kubelet itself.
    sock.write('GET /api/v1/namespaces/default/pods/nostream/exec?command=date HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n' +
      'GET /pods HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => closed, { timeoutMs: 15_000, what: 'the API server to close the connection after the refusal' });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(answer, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    assert.ok(answer.endsWith('\r\n\r\nyou must specify at least 1 of stdin, stdout, stderr'), answer);
    assert.equal(answer.match(/HTTP\/1\.1 /g)?.length, 1, 'one answer: the kubelet\'s PodList never comes back');
  });

  test('an init container is not running: the kubelet\'s 500 "container not found", as the real kubectl prints it', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    await createPod('withinit', { initContainers: [{ name: 'setup', image: 'busybox' }] });
    await running('withinit');
    const r = await k('exec', 'withinit', '-c', 'setup', '--', 'date');
    assert.deepEqual([r.code, r.stderr], [1, 'error: unable to upgrade connection: container not found ("setup")\n']);
  });

  test('many execs leave no connection behind in the API server or the kubelets', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    await createPod('leak');
    await running('leak');
    await k('exec', 'leak', '--', 'true');   // warm up: discovery cache, lazily opened files
    const pids = ['apiserver', 'kubelet-node-1', 'kubelet-node-2'].map((n) => cp.announcements[n]!.pid);
    const before = pids.map(fds);
    for (let i = 0; i < 10; i++) {
      const r = await k('exec', 'leak', '--', 'sh', '-c', `echo ${i}`);
      assert.equal(r.stdout, `${i}\n`);
    }
    await Promise.all(pids.map((pid, i) => waitFor(() => fds(pid) <= before[i]! + 2, { timeoutMs: 15_000, what: `pid ${pid} to close its exec connections (had ${before[i]}, now ${fds(pid)})` })));
  });

  test('a pod marked not Ready behind its live kubelet\'s back is reported Ready again by that kubelet', async () => {
    const pods = await client.get<List<Pod>>('/api/v1/namespaces/default/pods');
    const pod = pods.items.find((p) => p.spec.nodeName === 'node-1' && p.status?.phase === 'Running');
    assert.ok(pod, 'a running pod on node-1');
    const path = `/api/v1/namespaces/default/pods/${pod.metadata.name}`;
    const conditions = pod.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const } : c));
    // The answer to the write, not a later read: the kubelet may have put Ready back already (regression: a GET raced it).
    const marked = await client.put<Pod>(`${path}/status`, { ...pod, apiVersion: 'v1', kind: 'Pod', status: { ...pod.status, conditions } });
    assert.equal(marked.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'the write went through');
    await waitFor(async () => {
      const p = await client.get<Pod>(path);
      return Number(p.metadata.resourceVersion) > Number(marked.metadata.resourceVersion)
        && p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    }, { what: `kubelet node-1 to report ${pod.metadata.name} Ready again` });
  });

  test('a dead kubelet: the exec error names the node, the API server keeps serving, the node turns NotReady', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    const pods = await client.get<List<Pod>>('/api/v1/namespaces/default/pods');
    const onNode2 = pods.items.find((p) => p.spec.nodeName === 'node-2' && p.status?.phase === 'Running');
    const onNode1 = pods.items.find((p) => p.spec.nodeName === 'node-1' && p.status?.phase === 'Running');
    assert.ok(onNode2 && onNode1, 'a running pod on each node');
    // A session in flight when the kubelet dies: the API server's proxy is the hop that notices, and says so.
    const child = spawn('kubectl', ['--kubeconfig', cp.kubeconfig, 'exec', onNode2.metadata.name!, '--', 'sh', '-c', 'echo started; sleep 30'], { env: cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => { child.kill('SIGKILL'); });
    let out = '', err = '';
    child.stdout.on('data', (c: Buffer) => { out += c; });
    child.stderr.on('data', (c: Buffer) => { err += c; });
    const cut = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(() => out === 'started\n', { what: 'the long exec to start' });
    // On purpose (npm run component -- stop): a kubelet that merely crashed would be restarted by the supervisor.
    const stopped = cp.stopComponent('kubelet-node-2', 'SIGKILL');
    assert.equal(await cut, 1, err);
    await stopped;
    assert.match(err, /^error: Internal error occurred: kubelet node-2: connection lost mid-stream: (EOF|read ECONNRESET)\n$/);
    const port = new URL(cp.announcements['kubelet-node-2']!.url!).port;
    const r = await waitFor(async () => {
      const res = await k('exec', onNode2.metadata.name!, '--', 'date');
      return res.code !== 0 && res;
    }, { what: 'exec to fail once the kubelet is gone' });
    assert.match(r.stderr, new RegExp(`kubelet node-2: error dialing backend: dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused`));
    const ok = await k('exec', onNode1.metadata.name!, '--', 'echo', 'still serving');
    assert.equal(ok.stdout, 'still serving\n');
    const node = await waitFor(async () => {
      const n = await client.get<Node>('/api/v1/nodes/node-2');
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'Unknown' && ready;
    }, { timeoutMs: 30_000, what: 'node-2 NotReady' });
    assert.equal(node.reason, 'NodeStatusUnknown');
    assert.equal(node.message, 'Kubelet stopped posting node status.');
    const nodes = await k('get', 'nodes');
    assert.match(nodes.stdout, /\nnode-2\s+NotReady\s/);
    assert.match(nodes.stdout, /\nnode-1\s+Ready\s/);
    // MarkPodsNotReady: the dead node's pod loses its Ready condition; its phase and container statuses stay as
    // the kubelet last wrote them. kubectl's READY column counts containerStatuses[].ready (printPod), so it
    // still says 1/1 Running, as on a real cluster; the condition is what changed.
    const notReady = await waitFor(async () => {
      const p = await client.get<Pod>(`/api/v1/namespaces/default/pods/${onNode2.metadata.name}`);
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'False' && p;
    }, { timeoutMs: 30_000, what: `pod ${onNode2.metadata.name} on node-2 to turn not Ready` });
    assert.equal(notReady.status?.phase, 'Running');
    assert.equal(notReady.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True', 'only Ready is changed');
    const jsonpath = '-o=jsonpath={.status.conditions[?(@.type=="Ready")].status}';
    assert.equal((await k('get', 'pod', onNode2.metadata.name!, jsonpath)).stdout, 'False');
    assert.equal((await k('get', 'pod', onNode1.metadata.name!, jsonpath)).stdout, 'True', 'the live node\'s pod is untouched');
    const waited = await k('wait', '--for=condition=Ready=false', `pod/${onNode2.metadata.name}`, '--timeout=5s');
    assert.equal(waited.stdout, `pod/${onNode2.metadata.name} condition met\n`, waited.stderr);
    const po = await k('get', 'pod', onNode2.metadata.name!, '--no-headers');
    assert.match(po.stdout, new RegExp(`^${onNode2.metadata.name}\\s+1/1\\s+Running\\s`), po.stdout + po.stderr);
    // Brought back, it answers on the same port, the node turns Ready and the pod Ready again.
    await cp.startComponent('kubelet-node-2');
    assert.equal(new URL(cp.announcements['kubelet-node-2']!.url!).port, port);
    await waitFor(async () => {
      const p = await client.get<Pod>(`/api/v1/namespaces/default/pods/${onNode2.metadata.name}`);
      return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    }, { timeoutMs: 30_000, what: `pod ${onNode2.metadata.name} Ready again` });
    assert.match((await k('exec', onNode2.metadata.name!, '--', 'echo', 'back')).stdout, /^back\n$/);
  });

  test('npm run steps 3 on a degraded checkpoint (a kubelet stopped, a node cordoned) says what it fixes, walks, and leaves it healthy', async (t) => {
    if (!kubectl) return t.skip('the real kubectl is not on PATH');
    await cp.stopComponent('kubelet-node-2', 'SIGKILL');
    assert.equal((await k('cordon', 'node-1')).code, 0);
    const r = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/steps.ts'), '3'], cp.env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^steps: kubelet-node-2 was stopped \(npm run component -- stop\); starting it again: npm run component -- start kubelet-node-2$/m);
    assert.match(r.stdout, /^steps: uncordoning node-1$/m);
    // Healthy afterwards: every node Ready and schedulable, the kubelet the walk stopped running again.
    const nodes = await waitFor(async () => {
      const list = await client.get<List<Node>>('/api/v1/nodes');
      return list.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) && list.items;
    }, { timeoutMs: 30_000, what: 'every node Ready after the walk' });
    assert.deepEqual(nodes.map((n) => [n.metadata.name, Boolean(n.spec?.unschedulable)]).sort(), [['node-1', false], ['node-2', false]]);
    assert.ok(cp.pid('kubelet-node-2') > 0);
  });
});
