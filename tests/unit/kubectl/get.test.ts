// kubectl get against a fake API server: the requests it sends (selectors, Accept) and what it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeAPIServer, kubectl, pod } from './fake-apiserver.ts';
import { Accept } from '../../../src/client/rest-client.ts';

test('get po: discovery like kubectl with an empty cache, then a Table list', async (t) => {
  const s = await fakeAPIServer(t, [pod('nginx')]);
  const r = await kubectl(s.kubeconfig, ['get', 'po']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'NAME    READY   STATUS    RESTARTS   AGE\nnginx   0/1     Pending   0          5m\n');
  assert.deepEqual(s.seen.map((x) => x.url), ['/api?timeout=32s', '/apis?timeout=32s', '/api/v1?timeout=32s', '/api/v1/namespaces/default/pods?limit=500']);
  assert.equal(s.seen[0].headers.accept, Accept.discovery);
  assert.equal(s.seen[2].headers.accept, Accept.jsonAny);
  assert.equal(s.seen[3].headers.accept, Accept.table);
  assert.equal(s.seen[3].headers['kubectl-command'], 'kubectl get');
  assert.match(String(s.seen[3].headers['kubectl-session']), /^[0-9a-f-]{36}$/);
});

test('selectors, -n and -A are passed through to the server', async (t) => {
  const s = await fakeAPIServer(t, [pod('web')]);
  await kubectl(s.kubeconfig, ['get', 'pods', '-l', 'run=web,tier!=db', '--field-selector', 'status.phase=Pending', '-n', 'team']);
  assert.equal(s.seen.at(-1)!.url, '/api/v1/namespaces/team/pods?fieldSelector=status.phase%3DPending&labelSelector=run%3Dweb%2Ctier%21%3Ddb&limit=500');
  const r = await kubectl(s.kubeconfig, ['get', 'pod', '-A']);
  assert.equal(s.seen.at(-1)!.url, '/api/v1/pods?limit=500');
  assert.match(r.stdout, /^NAMESPACE   NAME   READY/);
});

test('-o wide, name, json, yaml', async (t) => {
  const s = await fakeAPIServer(t, [pod('nginx')]);
  assert.equal((await kubectl(s.kubeconfig, ['get', 'po', '-o', 'wide'])).stdout,
    'NAME    READY   STATUS    RESTARTS   AGE   IP       NODE\nnginx   0/1     Pending   0          5m    <none>   <none>\n');
  assert.equal((await kubectl(s.kubeconfig, ['get', 'po', '-o', 'name'])).stdout, 'pod/nginx\n');
  assert.equal(s.seen.at(-1)!.headers.accept, Accept.json);
  const json = JSON.parse((await kubectl(s.kubeconfig, ['get', 'po', 'nginx', '-o', 'json'])).stdout);
  assert.equal(json.metadata.name, 'nginx');
  assert.deepEqual(Object.keys(json), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const yaml = (await kubectl(s.kubeconfig, ['get', 'po', '-o', 'yaml'])).stdout;
  assert.match(yaml, /^apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n/);
  assert.match(yaml, /    resourceVersion: "3"\n/);
  assert.match(yaml, /kind: List\nmetadata:\n  resourceVersion: ""\n$/);
});

test('errors: NotFound, unknown resource type, bad output format, empty list', async (t) => {
  const s = await fakeAPIServer(t, []);
  let r = await kubectl(s.kubeconfig, ['get', 'po', 'x']);
  assert.deepEqual([r.code, r.stderr], [1, 'Error from server (NotFound): pods "x" not found\n']);
  r = await kubectl(s.kubeconfig, ['get', 'foo']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: the server doesn\'t have a resource type "foo"\n']);
  r = await kubectl(s.kubeconfig, ['get', 'pods/exec']);
  assert.equal(r.code, 1);
  r = await kubectl(s.kubeconfig, ['get', 'po', '-o', 'bogus']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: unable to match a printer suitable for the output format "bogus"/);
  r = await kubectl(s.kubeconfig, ['get', 'po']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'No resources found in default namespace.\n']);
  r = await kubectl(s.kubeconfig, ['get', 'po', '-n', 'kube-system']);
  assert.equal(r.stderr, 'No resources found in kube-system namespace.\n');
  r = await kubectl(s.kubeconfig, ['get', 'po', '..']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: invalid resource name "..": [may not be \'..\']\n']);
  r = await kubectl(s.kubeconfig, ['get']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: Required resource not specified\./);
});

test('get po NAME -w watches that one name from resourceVersion 0', async (t) => {
  const s = await fakeAPIServer(t, [pod('nginx')]);
  const r = await kubectl(s.kubeconfig, ['get', 'po', 'nginx', '-w']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(s.seen.at(-1)!.url, '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dnginx&resourceVersion=0&watch=true');
  const list = await kubectl(s.kubeconfig, ['get', 'po', '-w', '-l', 'a=b']);
  assert.equal(list.code, 0);
  assert.equal(s.seen.at(-1)!.url, '/api/v1/namespaces/default/pods?labelSelector=a%3Db&resourceVersion=9&watch=true');
  assert.equal(s.seen.at(-1)!.headers.accept, Accept.table);
});

test('version prints client and server versions; --client asks nothing', async (t) => {
  const s = await fakeAPIServer(t);
  const r = await kubectl(s.kubeconfig, ['version']);
  assert.equal(r.stdout, 'Client Version: v1.32.0-workbook\nServer Version: v1.32.0\n');
  assert.equal(s.seen.at(-1)!.url, '/version?timeout=32s');
  const before = s.seen.length;
  assert.equal((await kubectl(s.kubeconfig, ['version', '--client'])).stdout, 'Client Version: v1.32.0-workbook\n');
  assert.equal(s.seen.length, before);
});
