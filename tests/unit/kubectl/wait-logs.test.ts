// Our kubectl wait and logs against the workbook's API server in this process: wait watches until a condition holds
// (or its timeout), --for=delete ends when the object is gone; logs asks pods/log and prints the server's answer.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIServer } from '../../../src/apiserver/server.ts';
import { plannedSubresources } from '../../../src/apiserver/subresources.ts';
import { podStatusSubresource } from '../../../src/apiserver/registry/status.ts';
import { RESTClient } from '../../../src/client/rest-client.ts';
import type { Pod } from '../../../src/api/types.ts';
import { conditionMet, parseTimeout, parseWaitFor } from '../../../src/kubectl/cmd/wait.ts';
import { tabwrite } from '../../../src/kubectl/printers/tabwriter.ts';
import type { MemoryStorage } from '../../../src/apiserver/storage/memory.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { kubectl } from './fake-apiserver.ts';

async function start(t: TestContext) {
  const api = new APIServer({ name: 'apiserver', stateDir: '/nonexistent', log: () => {},
    subresources: { ...plannedSubresources(), 'pods/status': podStatusSubresource } });
  const url = await api.listen(0);
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-wait-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n`);
  t.after(async () => { await api.close(); rmSync(dir, { recursive: true, force: true }); });
  const client = new RESTClient({ server: url });
  const create = (name: string) => client.post<Pod>('/api/v1/namespaces/default/pods', { metadata: { name }, spec: { containers: [{ name, image: 'nginx' }] } });
  const setReady = async (name: string, status: 'True' | 'False') => {
    const p = await client.get<Pod>(`/api/v1/namespaces/default/pods/${name}`);
    await client.put(`/api/v1/namespaces/default/pods/${name}/status`, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status }] } });
  };
  // kubectl is watching once the storage has a watcher: only then is a change sure to be seen as an event.
  const watching = () => waitFor(() => (api.storage as MemoryStorage).watcherCount > 0, { timeoutMs: 10_000 });
  return { kubeconfig, client, create, setReady, watching };
}

test('parsing --for and --timeout as kubectl does', () => {
  assert.deepEqual(parseWaitFor('condition=Ready'), { kind: 'condition', type: 'Ready', value: 'true' });
  assert.deepEqual(parseWaitFor('condition=Ready=false'), { kind: 'condition', type: 'Ready', value: 'false' });
  assert.deepEqual(parseWaitFor('delete'), { kind: 'delete' });
  assert.throws(() => parseWaitFor('jsonpath={.x}'), /unrecognized condition/);
  assert.equal(parseTimeout(undefined), 30_000);
  assert.equal(parseTimeout('1m30s'), 90_000);
  assert.throws(() => parseTimeout('30'), /invalid duration "30"/);
  assert.ok(conditionMet({ metadata: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, parseWaitFor('condition=ready')));
  assert.ok(!conditionMet({ metadata: {} }, parseWaitFor('condition=Ready=false')), 'no condition at all is not False');
});

test('wait --for=condition=Ready returns when the status says so; =false too; a timeout is an error', async (t) => {
  const { kubeconfig, create, setReady, watching } = await start(t);
  await create('web');
  const waiting = kubectl(kubeconfig, ['wait', '--for=condition=Ready', 'pod/web', '--timeout=10s']);
  await watching();
  await setReady('web', 'False');
  await setReady('web', 'True');
  assert.deepEqual(await waiting, { code: 0, stdout: 'pod/web condition met\n', stderr: '' });
  const timedOut = await kubectl(kubeconfig, ['wait', '--for=condition=Ready=false', 'pods', 'web', '--timeout=200ms']);
  assert.deepEqual(timedOut, { code: 1, stdout: '', stderr: 'error: timed out waiting for the condition on pods/web\n' });
  await setReady('web', 'False');
  assert.equal((await kubectl(kubeconfig, ['wait', '--for=condition=Ready=false', 'pod/web'])).stdout, 'pod/web condition met\n');
  const missing = await kubectl(kubeconfig, ['wait', '--for=condition=Ready', 'pod/nope']);
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error from server (NotFound): pods "nope" not found\n']);
});

test('wait --for=delete ends when the object is gone; one already gone is no wait at all', async (t) => {
  const { kubeconfig, client, create, watching } = await start(t);
  await create('doomed');
  const waiting = kubectl(kubeconfig, ['wait', '--for=delete', 'pod/doomed', '--timeout=10s']);
  await watching();
  await client.delete('/api/v1/namespaces/default/pods/doomed');
  assert.deepEqual(await waiting, { code: 0, stdout: 'pod/doomed condition met\n', stderr: '' });
  assert.deepEqual(await kubectl(kubeconfig, ['wait', '--for=delete', 'pod/doomed']), { code: 0, stdout: '', stderr: '' });
});

test('logs asks the API server for pods/log, which names the chapter that serves it', async (t) => {
  const { kubeconfig, create } = await start(t);
  await create('web');
  const r = await kubectl(kubeconfig, ['logs', 'web']);
  assert.deepEqual(r, { code: 1, stdout: '', stderr: 'Error from server (BadRequest): pods/log is not served yet: it arrives in chapter 10 (siblings)\n' });
  const missing = await kubectl(kubeconfig, ['logs', 'pod/nope']);
  assert.deepEqual([missing.code, missing.stderr], [1, 'Error from server (NotFound): pods "nope" not found\n']);
});

test('tabwriter: columns per block of consecutive lines, padding 2, a tab-less line ends the block', () => {
  assert.equal(tabwrite('a:\tx\nlonger:\ty\nplain\nb:\tz\n'), 'a:       x\nlonger:  y\nplain\nb:  z\n');
  assert.equal(tabwrite('  T\tS\n  Ready \tTrue \nV:\tn\n'), '  T       S\n  Ready   True \nV:        n\n');
  assert.equal(tabwrite('ü:\t1\nab:\t2\n'), 'ü:  1\nab:  2\n'.replace('ü:  1', 'ü:   1'));
});
