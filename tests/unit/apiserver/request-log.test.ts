// Unit tests for the API server's request log (src/apiserver/request-log.ts): heartbeats and polls left out unless
// WORKBOOK_VERBOSE=1, errors and people's requests always in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APIServer } from '../../../src/apiserver/server.ts';
import { isRoutineRequest, logsRequest } from '../../../src/apiserver/request-log.ts';
import { waitFor } from '../../../src/util/wait.ts';

const kubelet = 'kubelet/v1.32.0 (linux/amd64) kubernetes/workbook';
const scheduler = 'kube-scheduler/v1.32.0 (linux/amd64) kubernetes/workbook';
const kubectl = 'kubectl/v1.32.0 (linux/amd64) kubernetes/abcdef';

test('a kubelet\'s heartbeat, its lease and its pod watch are routine', () => {
  assert.ok(isRoutineRequest({ method: 'GET', url: '/api/v1/nodes/node-1', status: 200, userAgent: kubelet }));
  assert.ok(isRoutineRequest({ method: 'PUT', url: '/api/v1/nodes/node-1/status', status: 200, userAgent: kubelet }));
  assert.ok(isRoutineRequest({ method: 'PUT', url: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1', status: 200, userAgent: kubelet }));
  assert.ok(isRoutineRequest({ method: 'GET', url: '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&watch=true', status: 200, userAgent: kubelet }));
  assert.ok(isRoutineRequest({ method: 'GET', url: '/api/v1/nodes', status: 200, userAgent: scheduler }));
});

test('what the reader acts on is not routine: pod lifecycle, registration, errors, and every request of a person\'s client', () => {
  assert.ok(!isRoutineRequest({ method: 'PUT', url: '/api/v1/namespaces/default/pods/web/status', status: 200, userAgent: kubelet }));
  assert.ok(!isRoutineRequest({ method: 'POST', url: '/api/v1/nodes', status: 201, userAgent: kubelet }));
  assert.ok(!isRoutineRequest({ method: 'POST', url: '/api/v1/namespaces/default/pods/web/binding', status: 201, userAgent: scheduler }));
  assert.ok(!isRoutineRequest({ method: 'PUT', url: '/api/v1/nodes/node-1/status', status: 409, userAgent: kubelet }));
  assert.ok(!isRoutineRequest({ method: 'GET', url: '/api/v1/nodes/node-1', status: 200, userAgent: kubectl }));
  assert.ok(!isRoutineRequest({ method: 'GET', url: '/api/v1/nodes', status: 200 }));
});

test('WORKBOOK_VERBOSE=1 logs every request', () => {
  const beat = { method: 'PUT', url: '/api/v1/nodes/node-1/status', status: 200, userAgent: kubelet };
  assert.equal(logsRequest(beat, {}), false);
  assert.equal(logsRequest(beat, { WORKBOOK_VERBOSE: '1' }), true);
});

test('the API server\'s log leaves a heartbeat out and keeps the same GET from kubectl', async (t) => {
  const lines: string[] = [];
  const server = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', log: (l) => lines.push(l) });
  const url = await server.listen(0);
  t.after(() => server.close());
  const verbose = process.env.WORKBOOK_VERBOSE;
  delete process.env.WORKBOOK_VERBOSE;
  t.after(() => { if (verbose !== undefined) process.env.WORKBOOK_VERBOSE = verbose; });
  await (await fetch(`${url}/api/v1/nodes`, { headers: { 'User-Agent': scheduler } })).text();
  await (await fetch(`${url}/api/v1/nodes?limit=500`, { headers: { 'User-Agent': kubectl } })).text();
  await waitFor(() => lines.some((l) => l.startsWith('GET /api/v1/nodes?limit=500 200')) || undefined, { timeoutMs: 5_000, what: 'kubectl\'s line' });
  assert.deepEqual(lines.filter((l) => l.startsWith('GET /api/v1/nodes')).map((l) => l.replace(/ \d+ms$/, '')), ['GET /api/v1/nodes?limit=500 200']);
});
