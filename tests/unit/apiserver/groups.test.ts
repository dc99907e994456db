// Named API groups: discovery for coordination.k8s.io and events.k8s.io, Leases served in full, Events read-only and
// always listed (empty), namespaced and across namespaces, with the field selectors kubectl describe sends.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { APIServer } from '../../../src/apiserver/server.ts';

async function start(t: TestContext) {
  const server = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', log: () => {} });
  const url = await server.listen(0);
  t.after(() => server.close());
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = text; }
    return { code: res.status, body: json };
  };
  return { server, url, call };
}

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';

test('discovery lists the named groups, each group and its resources', async (t) => {
  const { call } = await start(t);
  const groups = (await call('GET', '/apis')).body;
  assert.deepEqual(groups.groups.map((g: any) => [g.name, g.versions.map((v: any) => v.groupVersion)]),
    [['coordination.k8s.io', ['coordination.k8s.io/v1']], ['events.k8s.io', ['events.k8s.io/v1']]]);
  const group = (await call('GET', '/apis/coordination.k8s.io')).body;
  assert.deepEqual([group.kind, group.name, group.preferredVersion.version], ['APIGroup', 'coordination.k8s.io', 'v1']);
  const leases = (await call('GET', '/apis/coordination.k8s.io/v1')).body;
  assert.deepEqual([leases.kind, leases.groupVersion], ['APIResourceList', 'coordination.k8s.io/v1']);
  assert.deepEqual(leases.resources.map((r: any) => [r.name, r.kind, r.namespaced]), [['leases', 'Lease', true]]);
  const events = (await call('GET', '/apis/events.k8s.io/v1')).body;
  assert.deepEqual(events.resources.map((r: any) => [r.name, r.verbs]), [['events', ['get', 'list', 'watch']]]);
  const core = (await call('GET', '/api/v1')).body.resources.map((r: any) => r.name);
  assert.ok(core.includes('events'), 'core/v1 lists events');
  assert.ok(!core.includes('leases'), 'leases are not in the core group');
  assert.equal((await call('GET', '/apis/apps/v1')).code, 404);
  assert.equal((await call('GET', '/apis/coordination.k8s.io/v2')).code, 404);
  assert.equal((await call('GET', '/api/v1/namespaces/kube-node-lease/leases')).code, 404, 'no leases under /api/v1');
});

test('events: empty lists (namespaced, all namespaces, with describe\'s field selector), a watch, no writes', async (t) => {
  const { call, url } = await start(t);
  const selector = encodeURIComponent('involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=u,involvedObject.kind=Pod');
  const ns = await call('GET', `/api/v1/namespaces/default/events?fieldSelector=${selector}&limit=500`);
  assert.equal(ns.code, 200);
  assert.deepEqual([ns.body.kind, ns.body.apiVersion, ns.body.items], ['EventList', 'v1', []]);
  const all = await call('GET', `/api/v1/events?fieldSelector=${encodeURIComponent('involvedObject.kind=Node,involvedObject.name=node-1')}`);
  assert.deepEqual([all.code, all.body.items], [200, []]);
  const v1 = await call('GET', `/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('regarding.name=web')}`);
  assert.deepEqual([v1.code, v1.body.kind, v1.body.apiVersion, v1.body.items], [200, 'EventList', 'events.k8s.io/v1', []]);
  assert.equal((await call('GET', '/api/v1/events?fieldSelector=regarding.name%3Dweb')).code, 400, 'a field label of the other version');
  assert.equal((await call('GET', '/api/v1/namespaces/default/events/x')).code, 404);
  const created = await call('POST', '/api/v1/namespaces/default/events', { metadata: { name: 'x' } });
  assert.deepEqual([created.code, created.body.reason], [405, 'MethodNotAllowed']);
  // A watch starts (200, streaming) and ends at its timeout with nothing in it.
  for (const path of ['/api/v1/namespaces/default/events', '/api/v1/events', '/apis/events.k8s.io/v1/events']) {
    const res = await fetch(`${url}${path}?watch=true&timeoutSeconds=1`);
    assert.equal(res.status, 200, path);
    assert.equal(await res.text(), '', path);
  }
});

test('leases: create, renew with a precondition, table, validation, gone with their namespace', async (t) => {
  const { call } = await start(t);
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' } };
  const created = await call('POST', LEASES, lease);
  assert.equal(created.code, 201);
  assert.deepEqual([created.body.apiVersion, created.body.kind, created.body.metadata.namespace], ['coordination.k8s.io/v1', 'Lease', 'kube-node-lease']);
  const renewed = await call('PUT', `${LEASES}/node-1`, { ...created.body, spec: { ...created.body.spec, renewTime: '2026-01-01T00:00:10.000000Z' } });
  assert.equal(renewed.code, 200);
  assert.equal((await call('PUT', `${LEASES}/node-1`, created.body)).code, 409, 'a stale resourceVersion conflicts');
  assert.equal((await call('GET', `${LEASES}/node-1`)).body.spec.renewTime, '2026-01-01T00:00:10.000000Z');
  const wrongKind = await call('POST', LEASES, { ...lease, apiVersion: 'v1' });
  assert.equal(wrongKind.code, 400);
  const bad = await call('POST', LEASES, { ...lease, metadata: { name: 'n2' }, spec: { leaseDurationSeconds: 0 } });
  assert.deepEqual([bad.code, bad.body.details.causes[0].field], [422, 'spec.leaseDurationSeconds']);
  const table = await call('GET', LEASES, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(table.body.columnDefinitions.map((c: any) => c.name), ['Name', 'Holder', 'Age']);
  assert.deepEqual(table.body.rows[0].cells.slice(0, 2), ['node-1', 'node-1']);
  assert.equal((await call('POST', '/apis/coordination.k8s.io/v1/namespaces/team/leases', { ...lease, metadata: { name: 'x' } })).code, 404, 'no such namespace yet');
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'team' } });
  assert.equal((await call('POST', '/apis/coordination.k8s.io/v1/namespaces/team/leases', { ...lease, metadata: { name: 'x' } })).code, 201);
  assert.equal((await call('DELETE', '/api/v1/namespaces/team')).code, 200);
  assert.equal((await call('GET', '/apis/coordination.k8s.io/v1/namespaces/team/leases/x')).code, 404);
});
