// Audit of plain requests: a watch streams (ResponseStarted), a refusal keeps its Status, a non-resource path has
// no objectRef; and a log that cannot be written is said once and breaks nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { Auditor } from '../../../../src/apiserver/audit/auditor.ts';
import { LogBackend } from '../../../../src/apiserver/audit/log-backend.ts';
import { parsePolicy } from '../../../../src/apiserver/audit/policy.ts';
import type { Event } from '../../../../src/apiserver/audit/event.ts';
import { waitFor } from '../../../../src/util/wait.ts';

const everything = parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');

test('a watch is long-running: RequestReceived, ResponseStarted (200), ResponseComplete; a 404 keeps its Status; /healthz has no objectRef', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-plain-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logPath = join(dir, 'audit.log');
  const auditor = new Auditor({ policy: everything, backend: new LogBackend(logPath) });
  const server = new APIServer({ name: 'apiserver', stateDir: dir, log: () => {}, extensions: [auditor.extension()] });
  const url = await server.listen(0);
  t.after(async () => { await server.close(); await auditor.close(); });
  const ac = new AbortController();
  const watch = await fetch(`${url}/api/v1/namespaces/default/pods?watch=true`, { signal: ac.signal, headers: { 'Audit-ID': 'my-id' } });
  assert.equal(watch.headers.get('audit-id'), 'my-id');
  ac.abort();
  await watch.body?.cancel().catch(() => {});
  const missing = await fetch(`${url}/api/v1/namespaces/default/pods/nope`);
  assert.equal(missing.status, 404);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const events = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
  const watchEvents = await waitFor(() => { const e = events().filter((x) => x.auditID === 'my-id'); return e.length === 3 && e; }, { timeoutMs: 20_000, what: 'the watch\'s three stages' });
  assert.deepEqual(watchEvents.map((e) => [e.stage, e.verb, e.responseStatus?.code]), [['RequestReceived', 'watch', undefined], ['ResponseStarted', 'watch', 200], ['ResponseComplete', 'watch', 200]]);
  const notFound = await waitFor(() => events().find((e) => e.objectRef?.name === 'nope' && e.stage === 'ResponseComplete'), { timeoutMs: 20_000 });
  assert.deepEqual(notFound.responseStatus, { metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
  assert.deepEqual(events().filter((e) => e.objectRef?.name === 'nope').map((e) => e.stage), ['RequestReceived', 'ResponseComplete'], 'a get is not long-running');
  const healthz = await waitFor(() => events().find((e) => e.requestURI === '/healthz' && e.stage === 'ResponseComplete'), { timeoutMs: 20_000 });
  assert.deepEqual([healthz.verb, healthz.objectRef, healthz.responseStatus], ['get', undefined, { metadata: {}, code: 200 }]);
});

test('a log path that cannot be written: said once, requests go on', async () => {
  const said: string[] = [];
  const backend = new LogBackend('/nonexistent-dir/audit.log', (l) => said.push(l));
  await waitFor(() => said.length > 0, { timeoutMs: 10_000, what: 'the backend to report its failure' });
  backend.processEvents({} as Event, {} as Event);
  await backend.close();
  assert.equal(said.length, 1);
  assert.match(said[0]!, /^audit: log backend failed: ENOENT/);
});
