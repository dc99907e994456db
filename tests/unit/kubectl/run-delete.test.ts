// kubectl run and delete: the exact POST body real kubectl sends, the DELETE body, and waiting for the object to go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeAPIServer, kubectl, pod } from './fake-apiserver.ts';

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
