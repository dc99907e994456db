import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { APIServer, parseAPIPath } from '../../../src/apiserver/server.ts';
import { plannedSubresources } from '../../../src/apiserver/subresources.ts';
import { podStatusSubresource, nodeStatusSubresource } from '../../../src/apiserver/registry/status.ts';
import { podBindingSubresource } from '../../../src/apiserver/registry/binding.ts';
import type { SubresourceFactory } from '../../../src/apiserver/subresources.ts';
import { waitFor } from '../../../src/util/wait.ts';

async function start(t: TestContext, subresources?: Record<string, SubresourceFactory>) {
  const server = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', subresources, log: () => {} });
  const url = await server.listen(0);
  t.after(() => server.close());
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method, headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = text; }
    return { code: res.status, body: json };
  };
  return { server, url, call };
}
const pod = (name: string, labels?: Record<string, string>) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

test('paths: namespaced, cluster-scoped and subresource forms', () => {
  assert.deepEqual(parseAPIPath('/api/v1/namespaces/default/pods/web/exec'), { groupVersion: 'v1', namespace: 'default', resource: 'pods', name: 'web', subresource: 'exec' });
  assert.deepEqual(parseAPIPath('/api/v1/namespaces/default'), { groupVersion: 'v1', resource: 'namespaces', name: 'default', subresource: undefined });
  assert.deepEqual(parseAPIPath('/api/v1/pods'), { groupVersion: 'v1', resource: 'pods', name: undefined, subresource: undefined });
  assert.deepEqual(parseAPIPath('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1'),
    { groupVersion: 'coordination.k8s.io/v1', namespace: 'kube-node-lease', resource: 'leases', name: 'node-1', subresource: undefined });
  assert.equal(parseAPIPath('/apis/apps'), undefined);
  assert.equal(parseAPIPath('/api/v1/namespaces/a/pods/b/exec/extra'), undefined);
});

test('discovery: version 1.32, /api, /apis, and /api/v1 with kinds, verbs and short names', async (t) => {
  const { call } = await start(t);
  const v = await call('GET', '/version');
  assert.deepEqual([v.body.major, v.body.minor, v.body.gitVersion], ['1', '32', 'v1.32.0']);
  assert.deepEqual((await call('GET', '/api')).body.versions, ['v1']);
  assert.deepEqual((await call('GET', '/apis')).body.groups.map((g: any) => g.preferredVersion.groupVersion), ['coordination.k8s.io/v1', 'events.k8s.io/v1']);
  const list = (await call('GET', '/api/v1')).body;
  const byName = Object.fromEntries(list.resources.map((r: any) => [r.name, r]));
  assert.deepEqual(byName.pods.shortNames, ['po']);
  assert.deepEqual([byName.pods.kind, byName.pods.namespaced, byName.pods.singularName], ['Pod', true, 'pod']);
  assert.deepEqual(byName.nodes.shortNames, ['no']);
  assert.deepEqual(byName.namespaces.shortNames, ['ns']);
  assert.ok(byName.pods.verbs.includes('watch'));
  assert.equal(byName['pods/exec'], undefined, 'chapter 1 wires no subresources');
  assert.equal((await call('GET', '/healthz')).body, 'ok');
  // OpenAPI v3: only what kubectl needs to leave validation to the server (fieldValidation on each kind's PATCH).
  const root = (await call('GET', '/openapi/v3')).body;
  const doc = (await call('GET', root.paths['api/v1'].serverRelativeURL)).body;
  const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
  assert.deepEqual(patch.parameters.map((p: any) => [p.name, p.in]), [['fieldValidation', 'query']]);
  assert.ok(doc.paths['/api/v1/nodes/{name}'].patch);
  assert.equal((await call('GET', '/openapi/v2')).code, 404);
});

test('wired subresources appear in discovery; planned ones answer a Status that says when they arrive', async (t) => {
  const { call } = await start(t, plannedSubresources());
  const resources = (await call('GET', '/api/v1')).body.resources as any[];
  const sub = (r: any) => r.name.includes('/');
  // What the real /api/v1 (1.32) lists for pods and nodes, name, group/version, kind and verbs.
  assert.deepEqual(resources.filter(sub).map((r) => `${r.name} ${r.group ? `${r.group}/${r.version} ` : ''}${r.kind} ${r.verbs.join(',')}`), [
    'nodes/proxy NodeProxyOptions create,delete,get,patch,update',
    'nodes/status Node get,patch,update',
    'pods/attach PodAttachOptions create,get',
    'pods/binding Binding create',
    'pods/ephemeralcontainers Pod get,patch,update',
    'pods/eviction policy/v1 Eviction create',
    'pods/exec PodExecOptions create,get',
    'pods/log Pod get',
    'pods/portforward PodPortForwardOptions create,get',
    'pods/proxy PodProxyOptions create,delete,get,patch,update',
    'pods/resize Pod get,patch,update',
    'pods/status Pod get,patch,update',
  ]);
  const ev = await call('POST', '/api/v1/namespaces/default/pods/x/eviction', '{}');
  assert.deepEqual([ev.code, ev.body.reason, ev.body.message], [400, 'BadRequest', 'pods/eviction is not served yet: this workbook does not evict pods']);
  const r = await call('GET', '/api/v1/namespaces/default/pods/x/log');
  assert.deepEqual([r.code, r.body.reason, r.body.message], [400, 'BadRequest', 'pods/log is not served yet: it arrives in chapter 10 (siblings)']);
});

test('unknown paths and unknown subresources are 404 Status, wrong verbs 405, bad bodies 400/415/422', async (t) => {
  const { call } = await start(t);
  const nf = await call('GET', '/api/v1/widgets');
  assert.deepEqual([nf.code, nf.body.kind, nf.body.message], [404, 'Status', 'the server could not find the requested resource']);
  assert.equal((await call('GET', '/api/v1/namespaces/default/pods/x/exec')).code, 404);
  assert.equal((await call('GET', '/api/v1/namespaces/default/nodes')).code, 404);
  assert.equal((await call('PUT', '/api/v1/namespaces/default/pods', pod('a'))).code, 405);
  assert.equal((await call('POST', '/api/v1/pods', pod('a'))).code, 405);
  assert.equal((await call('POST', '/api/v1/namespaces/default/pods', '{nope')).code, 400);
  assert.equal((await call('POST', '/api/v1/namespaces/default/pods', pod('a'), { 'Content-Type': 'application/vnd.kubernetes.protobuf' })).code, 415);
  const inv = await call('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'a' }, spec: { containers: [] } });
  assert.deepEqual([inv.code, inv.body.reason, inv.body.message], [422, 'Invalid', 'Pod "a" is invalid: spec.containers: Required value']);
  const kind = await call('POST', '/api/v1/namespaces/default/pods', { kind: 'Node', apiVersion: 'v1', metadata: { name: 'a' } });
  assert.equal(kind.code, 400);
  const odd = await call('GET', '/api/v1/namespaces/a%2Fb/pods');
  assert.deepEqual([odd.code, odd.body.message], [404, 'namespaces "a/b" not found']);
  const ns = await call('POST', '/api/v1/namespaces/nope/pods', pod('a'));
  assert.deepEqual([ns.code, ns.body.message], [404, 'namespaces "nope" not found']);
});

test('create, get as object and as Table, list with selectors, YAML body, delete', async (t) => {
  const { call } = await start(t);
  assert.equal((await call('POST', '/api/v1/namespaces/default/pods', pod('a', { app: 'web' }))).code, 201);
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers:\n  - name: c\n    image: busybox\n';
  assert.equal((await call('POST', '/api/v1/namespaces/default/pods', yaml, { 'Content-Type': 'application/yaml' })).code, 201);
  const tableAccept = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' };
  const one = await call('GET', '/api/v1/namespaces/default/pods/a', undefined, tableAccept);
  assert.deepEqual([one.body.kind, one.body.rows[0].cells.slice(0, 4)], ['Table', ['a', '0/1', 'Pending', '0']]);
  const list = await call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
  assert.deepEqual([list.body.kind, list.body.items.map((p: any) => p.metadata.name)], ['PodList', ['a']]);
  assert.equal(list.body.items[0].kind, undefined, 'list items carry no kind');
  const fs = await call('GET', '/api/v1/pods?fieldSelector=metadata.name%3Db,status.phase%3DPending');
  assert.deepEqual(fs.body.items.map((p: any) => p.metadata.name), ['b']);
  assert.equal((await call('GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx')).code, 400);
  const del = await call('DELETE', '/api/v1/namespaces/default/pods/a', { propagationPolicy: 'Background' });
  assert.deepEqual([del.code, del.body.kind, del.body.metadata.name], [200, 'Pod', 'a']);
  const gone = await call('GET', '/api/v1/namespaces/default/pods/a');
  assert.deepEqual([gone.code, gone.body.message], [404, 'pods "a" not found']);
});

test('DELETE of a pod on a node: 200 with the marked pod (Terminating); grace from the body or ?gracePeriodSeconds; a bad one is 400', async (t) => {
  const { call } = await start(t);
  const onNode = (name: string) => ({ ...pod(name), spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] } });
  for (const name of ['a', 'b', 'c']) assert.equal((await call('POST', '/api/v1/namespaces/default/pods', onNode(name))).code, 201);
  const a = await call('DELETE', '/api/v1/namespaces/default/pods/a', { propagationPolicy: 'Background' });
  assert.deepEqual([a.code, a.body.kind, a.body.metadata.deletionGracePeriodSeconds], [200, 'Pod', 30]);
  const tableAccept = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' };
  assert.equal((await call('GET', '/api/v1/namespaces/default/pods/a', undefined, tableAccept)).body.rows[0].cells[2], 'Terminating');
  assert.equal((await call('DELETE', '/api/v1/namespaces/default/pods/b', { gracePeriodSeconds: 7 })).body.metadata.deletionGracePeriodSeconds, 7);
  assert.equal((await call('DELETE', '/api/v1/namespaces/default/pods/c?gracePeriodSeconds=4')).body.metadata.deletionGracePeriodSeconds, 4);
  for (const body of ['{"gracePeriodSeconds":"soon"}', 'null', '{"gracePeriodSeconds":1.5}']) {
    const bad = await call('DELETE', '/api/v1/namespaces/default/pods/a', body);
    assert.deepEqual([bad.code, bad.body.reason], [400, 'BadRequest'], body);
  }
});

test('PATCH a pod with merge and JSON patches; PUT with a stale resourceVersion is 409', async (t) => {
  const { call } = await start(t);
  const created = (await call('POST', '/api/v1/namespaces/default/pods', pod('a'))).body;
  const patched = await call('PATCH', '/api/v1/namespaces/default/pods/a', { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.deepEqual([patched.code, patched.body.metadata.labels], [200, { x: 'y' }]);
  const stale = await call('PUT', '/api/v1/namespaces/default/pods/a', created);
  assert.deepEqual([stale.code, stale.body.reason], [409, 'Conflict']);
  const jp = await call('PATCH', '/api/v1/namespaces/default/pods/a', [{ op: 'add', path: '/metadata/labels/tier', value: 'web' }], { 'Content-Type': 'application/json-patch+json' });
  assert.deepEqual([jp.code, jp.body.metadata.labels], [200, { x: 'y', tier: 'web' }]);
  const bad = await call('PATCH', '/api/v1/namespaces/default/pods/a', [{ op: 'remove', path: '/metadata/labels/nope' }], { 'Content-Type': 'application/json-patch+json' });
  assert.deepEqual([bad.code, bad.body.reason], [422, 'Invalid']);
  assert.equal((await call('PATCH', '/api/v1/namespaces/default/pods/a', 'x: 1', { 'Content-Type': 'application/apply-patch+yaml' })).code, 415);
});

test('namespaces: default may not be deleted; deleting one takes its pods along', async (t) => {
  const { call, url } = await start(t);
  const names = (await call('GET', '/api/v1/namespaces')).body.items.map((n: any) => n.metadata.name);
  assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  const forbid = await call('DELETE', '/api/v1/namespaces/default');
  assert.deepEqual([forbid.code, forbid.body.message], [403, 'namespaces "default" is forbidden: this namespace may not be deleted']);
  // kubectl create namespace sends protobuf (this is its exact body).
  const proto = Buffer.from('6b3873000a0f0a02763112094e616d657370616365121c0a140a047465616d12001a0022002a0032003800420012001a020a001a002200', 'hex');
  const created = await fetch(`${url}/api/v1/namespaces`, { method: 'POST', body: proto, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' } });
  assert.deepEqual([created.status, ((await created.json()) as any).metadata.name], [201, 'team']);
  const protoPod = await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', body: proto, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
  assert.equal(protoPod.status, 415, 'pods are read from JSON and YAML only');
  assert.equal((await call('POST', '/api/v1/namespaces/team/pods', pod('a'))).code, 201);
  assert.equal((await call('DELETE', '/api/v1/namespaces/team')).code, 200);
  assert.equal((await call('GET', '/api/v1/namespaces/team/pods/a')).code, 404);
});

// Reads newline-delimited watch events from a streaming GET until `n` arrived or the stream ended.
function watchLines(url: string, n: number, headers: Record<string, string> = {}): { events: Promise<any[]>; received: any[]; abort: () => void } {
  let req: ReturnType<typeof request>;
  const out: any[] = [];
  const events = new Promise<any[]>((resolve) => {
    req = request(url, { headers }, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) { out.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
        if (out.length >= n) { resolve(out); req.destroy(); }
      });
      res.on('end', () => resolve(out));
      res.on('error', () => resolve(out));
    });
    // An aborted request ends with what it received; the assertions on those events say whether that is right.
    req.on('error', () => resolve(out));
    req.end();
  });
  return { events, received: out, abort: () => req.destroy() };
}

test('watch: synthetic ADDED, then changes, filtered by selector; objects leaving the selector are DELETED', async (t) => {
  const { call, url } = await start(t);
  await call('POST', '/api/v1/namespaces/default/pods', pod('a', { app: 'web' }));
  await call('POST', '/api/v1/namespaces/default/pods', pod('other'));
  const w = watchLines(`${url}/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dweb`, 3);
  t.after(w.abort);
  // The watch is registered once its initial event arrived: only then do the writes below reach it.
  await waitFor(() => w.received.length >= 1, { what: 'the initial ADDED event' });
  await call('POST', '/api/v1/namespaces/default/pods', pod('b', { app: 'web' }));
  await call('PATCH', '/api/v1/namespaces/default/pods/a', { metadata: { labels: { app: 'db' } } }, { 'Content-Type': 'application/merge-patch+json' });
  const evs = await w.events;
  assert.deepEqual(evs.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'a'], ['ADDED', 'b'], ['DELETED', 'a']]);
});

test('watch from a resourceVersion replays later events; too old is an ERROR event with 410 Expired', async (t) => {
  const { call, url } = await start(t);
  const a = (await call('POST', '/api/v1/namespaces/default/pods', pod('a'))).body;
  await call('DELETE', '/api/v1/namespaces/default/pods/a');
  const w = watchLines(`${url}/api/v1/namespaces/default/pods?watch=1&resourceVersion=${a.metadata.resourceVersion}`, 2);
  t.after(w.abort);
  // An unscheduled pod is deleted at once, but gracefully: first marked with grace 0 (MODIFIED), then removed.
  assert.deepEqual((await w.events).map((e) => [e.type, e.object.metadata.deletionGracePeriodSeconds]), [['MODIFIED', 0], ['DELETED', 0]]);
});

test('watch too old: 410 Expired as an ERROR event', async (t) => {
  const { MemoryStorage } = await import('../../../src/apiserver/storage/memory.ts');
  const server = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', storage: new MemoryStorage({ historySize: 2 }), log: () => {} });
  const url = await server.listen(0);
  t.after(() => server.close());
  const w = watchLines(`${url}/api/v1/namespaces/default/pods?watch=1&resourceVersion=1`, 1);
  const [ev] = await w.events;
  assert.deepEqual([ev.type, ev.object.code, ev.object.reason], ['ERROR', 410, 'Expired']);
  assert.match(ev.object.message, /^too old resource version: 1 \(\d+\)$/);
});

test('watch as Table (kubectl get -w): each event carries a one-row Table', async (t) => {
  const { call, url } = await start(t);
  await call('POST', '/api/v1/namespaces/default/pods', pod('a'));
  const w = watchLines(`${url}/api/v1/namespaces/default/pods?watch=true`, 1, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  t.after(w.abort);
  const [ev] = await w.events;
  assert.deepEqual([ev.type, ev.object.kind, ev.object.rows.length, ev.object.rows[0].cells[0]], ['ADDED', 'Table', 1, 'a']);
  assert.equal(ev.object.rows[0].object.metadata.namespace, 'default');
});

test('watch ends after timeoutSeconds, and close() ends the open ones', async (t) => {
  const { url, server } = await start(t);
  const timed = watchLines(`${url}/api/v1/pods?watch=1&timeoutSeconds=1`, 99);
  assert.deepEqual(await timed.events, []);
  await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', body: JSON.stringify(pod('a')), headers: { 'Content-Type': 'application/json' } });
  const open = watchLines(`${url}/api/v1/pods?watch=1`, 99);
  await waitFor(() => open.received.length >= 1, { what: 'the initial ADDED event' });
  await server.close();
  assert.deepEqual((await open.events).map((e) => e.type), ['ADDED']);
});

test('pods/status changes only status; pods/binding binds once; nodes/status merges conditions', async (t) => {
  const { call } = await start(t, { 'pods/status': podStatusSubresource, 'pods/binding': podBindingSubresource, 'nodes/status': nodeStatusSubresource });
  const p = (await call('POST', '/api/v1/namespaces/default/pods', pod('a'))).body;
  const put = await call('PUT', '/api/v1/namespaces/default/pods/a/status', { ...p, metadata: { ...p.metadata, labels: { sneaky: 'yes' } }, spec: { containers: [] }, status: { phase: 'Running', podIP: '10.0.0.1' } });
  assert.deepEqual([put.code, put.body.status.phase, put.body.metadata.labels, put.body.spec.containers.length], [200, 'Running', undefined, 1]);
  const stale = await call('PUT', '/api/v1/namespaces/default/pods/a/status', p);
  assert.equal(stale.code, 409);
  const patch = await call('PATCH', '/api/v1/namespaces/default/pods/a/status', { status: { phase: 'Succeeded' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.deepEqual([patch.body.status.phase, patch.body.status.podIP], ['Succeeded', '10.0.0.1']);

  const q = (await call('POST', '/api/v1/namespaces/default/pods', pod('q'))).body;
  const bind = (node: string) => call('POST', '/api/v1/namespaces/default/pods/q/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'q' }, target: { kind: 'Node', name: node } });
  const b1 = await bind('node-1');
  assert.deepEqual([b1.code, b1.body.status], [201, 'Success']);
  const bound = (await call('GET', '/api/v1/namespaces/default/pods/q')).body;
  assert.equal(bound.spec.nodeName, 'node-1');
  assert.equal(bound.status.conditions.find((c: any) => c.type === 'PodScheduled').status, 'True');
  assert.notEqual(bound.metadata.resourceVersion, q.metadata.resourceVersion);
  const b2 = await bind('node-2');
  assert.deepEqual([b2.code, b2.body.reason, b2.body.message], [409, 'Conflict', 'Operation cannot be fulfilled on pods/binding "q": pod q is already assigned to node "node-1"']);
  const wrong = await call('POST', '/api/v1/namespaces/default/pods/q/binding', { metadata: { name: 'other' }, target: { name: 'n' } });
  assert.equal(wrong.code, 400);
  const missing = await call('POST', '/api/v1/namespaces/default/pods/zz/binding', { metadata: { name: 'zz' }, target: { name: 'n' } });
  assert.equal(missing.code, 404);

  await call('POST', '/api/v1/nodes', { metadata: { name: 'node-1' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'False' }] } });
  const ns = await call('PATCH', '/api/v1/nodes/node-1/status', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.deepEqual(ns.body.status.conditions.map((c: any) => `${c.type}=${c.status}`), ['Ready=True', 'DiskPressure=False']);
  const nodeTable = await call('GET', '/api/v1/nodes', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(nodeTable.body.rows[0].cells.slice(0, 2), ['node-1', 'Ready']);
});

test('watchers end when their clients go away: none is left behind', async (t) => {
  const { MemoryStorage } = await import('../../../src/apiserver/storage/memory.ts');
  const storage = new MemoryStorage();
  const server = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', storage, log: () => {} });
  const url = await server.listen(0);
  t.after(() => server.close());
  await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', body: JSON.stringify(pod('a')), headers: { 'Content-Type': 'application/json' } });
  const watches = Array.from({ length: 20 }, (_, i) => watchLines(`${url}/api/v1/${i % 2 ? 'pods' : 'namespaces/default/pods'}?watch=1`, 99));
  await waitFor(() => watches.every((w) => w.received.length >= 1), { what: 'every watch open' });
  assert.equal(storage.watcherCount, 20);
  for (const w of watches) w.abort();
  await waitFor(() => storage.watcherCount === 0, { what: 'every watcher stopped' });
  // Clients that leave before their watch is even set up leave nothing either.
  const early = Array.from({ length: 10 }, () => watchLines(`${url}/api/v1/pods?watch=1`, 99));
  for (const w of early) w.abort();
  await fetch(`${url}/healthz`);
  await waitFor(() => storage.watcherCount === 0, { what: 'no watcher from aborted requests' });
});
