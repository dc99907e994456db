// kubectl run and delete: the exact POST body real kubectl sends, the DELETE body, and waiting for the object to go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeAPIServer, kubectl, pod } from './fake-apiserver.ts';
import { waitFor } from '../../../src/util/wait.ts';

test('run sends the body real kubectl 1.32 sends, byte for byte', async (t) => {
  const s = await fakeAPIServer(t);
  const r = await kubectl(s.kubeconfig, ['run', 'web', '--image=nginx', '--port=80', '--labels=a=b,c=d', '--env=X=1', '--', 'sleep', '100']);
  assert.deepEqual([r.code, r.stdout], [0, 'pod/web created\n']);
  const post = s.seen.at(-1)!;
  assert.equal(post.method, 'POST');
  assert.equal(post.url, '/api/v1/namespaces/default/pods?fieldManager=kubectl-run');
  // Captured from the real kubectl's -v=8 "Request Body" for the same command line.
  assert.equal(post.body, '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"a":"b","c":"d"}},"spec":{"containers":[{"name":"web","image":"nginx","args":["sleep","100"],"ports":[{"containerPort":80}],"env":[{"name":"X","value":"1"}],"resources":{}}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst"},"status":{}}\n');
  const plain = await kubectl(s.kubeconfig, ['run', 'nginx', '--image=nginx', '--restart=Never']);
  assert.equal(plain.code, 0);
  assert.equal(s.seen.at(-1)!.body, '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"nginx","creationTimestamp":null,"labels":{"run":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}],"restartPolicy":"Never","dnsPolicy":"ClusterFirst"},"status":{}}\n');
});

test('run errors: no image, no name, bad restart policy', async (t) => {
  const s = await fakeAPIServer(t);
  assert.deepEqual(await kubectl(s.kubeconfig, ['run', 'x']), { code: 1, stdout: '', stderr: 'error: required flag(s) "image" not set\n' });
  assert.deepEqual(await kubectl(s.kubeconfig, ['run', '--image=x']), { code: 1, stdout: '', stderr: "error: NAME is required for run\nSee 'kubectl run -h' for help and examples\n" });
  assert.equal((await kubectl(s.kubeconfig, ['run', 'x', '--image=x', '--restart=Sometimes'])).code, 1);
});

test('delete sends propagationPolicy Background, says so, then GETs until 404', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')]);
  const r = await kubectl(s.kubeconfig, ['delete', 'pod', 'web']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'pod "web" deleted\n', '']);
  const [del, get] = s.seen.slice(-2);
  assert.equal(del.method, 'DELETE');
  assert.equal(del.url, '/api/v1/namespaces/default/pods/web');
  assert.equal(del.body, '{"propagationPolicy":"Background"}\n');
  assert.equal(get.method, 'GET');
  assert.equal(get.url, '/api/v1/namespaces/default/pods/web');
});

test('delete errors: NotFound, no name', async (t) => {
  const s = await fakeAPIServer(t);
  assert.deepEqual(await kubectl(s.kubeconfig, ['delete', 'pod', 'nope']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
  assert.deepEqual(await kubectl(s.kubeconfig, ['delete', 'pods']), { code: 1, stdout: '', stderr: 'error: resource(s) were provided, but no name was specified\n' });
});

test('delete sends the grace period asked for: --grace-period=N, --now (1), a bare --grace-period=0 (1)', async (t) => {
  const s = await fakeAPIServer(t, [pod('a'), pod('b'), pod('c')]);
  for (const [name, flag, grace] of [['a', '--grace-period=5', 5], ['b', '--now', 1], ['c', '--grace-period=0', 1]] as const) {
    const r = await kubectl(s.kubeconfig, ['delete', 'pod', name, flag]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `pod "${name}" deleted\n`, '']);
    const del = s.seen.find((q) => q.method === 'DELETE' && q.url.endsWith(`/pods/${name}`))!;
    assert.equal(del.body, `{"gracePeriodSeconds":${grace},"propagationPolicy":"Background"}\n`);
  }
});

test('delete --force: grace 0, the real warning, "force deleted"; --force with a grace period > 0 and --now with one are refused', async (t) => {
  const s = await fakeAPIServer(t, [pod('a'), pod('b')]);
  const warning = 'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n';
  for (const [name, flags] of [['a', ['--force']], ['b', ['--force', '--grace-period=0']]] as const) {
    const r = await kubectl(s.kubeconfig, ['delete', 'pod', name, ...flags]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `pod "${name}" force deleted\n`, warning]);
    assert.equal(s.seen.find((q) => q.method === 'DELETE' && q.url.endsWith(`/pods/${name}`))!.body, '{"gracePeriodSeconds":0,"propagationPolicy":"Background"}\n');
  }
  assert.deepEqual(await kubectl(s.kubeconfig, ['delete', 'pod', 'x', '--force', '--grace-period=3']),
    { code: 1, stdout: '', stderr: 'error: --force and --grace-period greater than 0 cannot be specified together\n' });
  assert.deepEqual(await kubectl(s.kubeconfig, ['delete', 'pod', 'x', '--now', '--grace-period=3']),
    { code: 1, stdout: '', stderr: 'error: --now and --grace-period cannot be specified together\n' });
});

test('delete of a pod that terminates gracefully waits until it is gone, and not before', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')], { graceful: true });
  let finished = false;
  const run = kubectl(s.kubeconfig, ['delete', 'pod', 'web']).then((r) => { finished = true; return r; });
  // Several GETs after the DELETE: kubectl is polling a pod that still exists (Terminating).
  await waitFor(() => s.seen.filter((q) => q.method === 'GET' && q.url === '/api/v1/namespaces/default/pods/web').length >= 3, { timeoutMs: 10_000 });
  assert.equal(finished, false, 'kubectl returned while the pod was still there');
  s.pods.delete('web');
  const r = await run;
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'pod "web" deleted\n', '']);
});
