import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { admitConnect, admitExecOnConnect } from '../../../../src/apiserver/admission/connect.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { LocalExecBackend } from '../../../../src/apiserver/exec/local.ts';
import { plannedSubresources } from '../../../../src/apiserver/subresources.ts';
import { AdmissionChain, type AdmissionPlugin, type Attributes } from '../../../../src/apiserver/admission/interfaces.ts';
import { DenyEscalatingExec } from '../../../../src/apiserver/admission/deny-exec.ts';
import { admissionForbidden } from '../../../../src/apiserver/admission/errors.ts';
import { StatusError } from '../../../../src/api/status.ts';

// Records what the chain saw, to check the attributes ConnectResource builds.
class Recorder implements AdmissionPlugin {
  readonly name = 'Recorder';
  seen: Attributes[] = [];
  handles() { return true; }
  async admit(a: Attributes) { this.seen.push(a); }
}

async function start(t: TestContext) {
  const stateDir = mkdtempSync(join(tmpdir(), 'admission-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const recorder = new Recorder();
  const server = new APIServer({ name: 'apiserver', stateDir, log: () => {},
    subresources: { ...plannedSubresources(), 'pods/exec': admitExecOnConnect(
      execSubresource((api) => new LocalExecBackend({ stateDir: api.stateDir, pods: api.pods })),
      (api) => new AdmissionChain([recorder, new DenyEscalatingExec((ns, n) => api.pods.get(ns, n))])) } });
  const url = await server.listen(0);
  t.after(() => server.close());
  const create = async (name: string, spec: object) => {
    const res = await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name }, spec }) });
    assert.equal(res.status, 201, await res.text());
  };
  return { url, create, recorder, stateDir };
}

function upgrade(url: string, path: string, kind: 'websocket' | 'spdy'): Promise<{ code: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1');
    sock.write(kind === 'websocket'
      ? `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`
      : `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
    let raw = '';
    sock.on('data', (c) => { raw += c.toString(); });
    sock.on('end', () => { sock.destroy(); const [head, body = ''] = raw.split('\r\n\r\n'); resolve({ code: Number(head!.split(' ')[1]), body }); });
    sock.on('error', reject);
  });
}

const privileged = { containers: [{ name: 'app', image: 'busybox', securityContext: { privileged: true } }] };

test('admissionForbidden reads as admission.NewForbidden: the parent resource, the name, reason Forbidden', () => {
  const a = { operation: 'CONNECT', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: 'exec', namespace: 'default', name: 'web', object: {} } as Attributes;
  const s = admissionForbidden(a, 'no').status;
  assert.deepEqual([s.code, s.reason, s.message, s.details], [403, 'Forbidden', 'pods "web" is forbidden: no', { name: 'web', group: undefined, kind: 'pods' }]);
});

test('DenyEscalatingExec refuses privileged, hostPID, hostIPC, hostNetwork pods with its words, before any upgrade; others pass', async (t) => {
  const { url, create } = await start(t);
  await create('priv', privileged);
  await create('init-priv', { initContainers: [{ name: 'i', image: 'busybox', securityContext: { privileged: true } }], containers: [{ name: 'app', image: 'busybox' }] });
  await create('pid', { hostPID: true, containers: [{ name: 'app', image: 'busybox' }] });
  await create('ipc', { hostIPC: true, containers: [{ name: 'app', image: 'busybox' }] });
  await create('net', { hostNetwork: true, containers: [{ name: 'app', image: 'busybox' }] });
  const cases: [string, string][] = [
    ['priv', 'a privileged container'], ['init-priv', 'a privileged container'],
    ['pid', 'a container using host pid'], ['ipc', 'a container using host ipc'], ['net', 'a container using host network'],
  ];
  for (const [pod, what] of cases) {
    for (const kind of ['websocket', 'spdy'] as const) {
      const r = await upgrade(url, `/api/v1/namespaces/default/pods/${pod}/exec?command=date&stdout=true`, kind);
      const s = JSON.parse(r.body);
      assert.deepEqual([r.code, s.reason, s.message], [403, 'Forbidden', `pods "${pod}" is forbidden: cannot exec into or attach to ${what}`], `${pod} ${kind}`);
    }
  }
  // A plain POST is admitted too (ConnectResource runs admission before the connecter's handler).
  const plain = await fetch(`${url}/api/v1/namespaces/default/pods/priv/exec?command=date&stdout=true`, { method: 'POST' });
  assert.equal(plain.status, 403);
});

test('admission runs before the pod is read: a missing pod is Forbidden wrapping NotFound, as upstream words it', async (t) => {
  const { url } = await start(t);
  const r = await upgrade(url, '/api/v1/namespaces/default/pods/ghost/exec?command=date&stdout=true', 'spdy');
  assert.deepEqual([r.code, JSON.parse(r.body).message], [403, 'pods "ghost" is forbidden: pods "ghost" not found']);
});

test('the chain sees CONNECT with the PodExecOptions as sent (container not yet defaulted), kind Pod, resource pods/exec', async (t) => {
  const { url, create, recorder } = await start(t);
  await create('web', { containers: [{ name: 'app', image: 'busybox' }] });
  await upgrade(url, '/api/v1/namespaces/default/pods/web/exec?command=ls&command=-l&stdout=true&tty=true', 'spdy');
  const a = recorder.seen.at(-1)!;
  assert.deepEqual({ ...a, userInfo: undefined }, {
    operation: 'CONNECT', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: 'exec', namespace: 'default', name: 'web', userInfo: undefined,
    object: { kind: 'PodExecOptions', apiVersion: 'v1', stdin: false, stdout: true, stderr: false, tty: true, container: '', command: ['ls', '-l'] },
  });
});

test('a chain that does not handle CONNECT is never asked; a plugin refusal propagates as thrown', async () => {
  let asked = 0;
  const chain = new AdmissionChain([{ name: 'CreateOnly', handles: (op) => op === 'CREATE', validate: async () => { asked++; } }]);
  await admitConnect(chain, { namespace: 'default', name: 'x', query: new URLSearchParams() },
    { stdin: false, stdout: true, stderr: false, tty: false, container: '', command: ['date'] });
  assert.equal(asked, 0);
  const failing = new AdmissionChain([{ name: 'Broken', handles: () => true, validate: async () => { throw new StatusError({ metadata: {}, status: 'Failure', code: 500 }); } }]);
  await assert.rejects(admitConnect(failing, { namespace: 'default', name: 'x', query: new URLSearchParams() },
    { stdin: false, stdout: true, stderr: false, tty: false, container: '', command: ['date'] }), StatusError);
});

test('the real kubectl prints the admission refusal as "Error from server (Forbidden)" and exits 1; an ordinary pod still execs', async (t) => {
  const has = await new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)));
  if (!has) return t.skip('the real kubectl is not on PATH');
  const { url, create, stateDir } = await start(t);
  await create('priv', privileged);
  await create('plain', { containers: [{ name: 'app', image: 'busybox' }] });
  const kubeconfig = join(stateDir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: '${url}'}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n`);
  const kubectl = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(stateDir, 'cache') }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  const refused = await kubectl('exec', 'priv', '--', 'echo', 'hi');
  assert.deepEqual([refused.code, refused.stderr], [1, 'Error from server (Forbidden): pods "priv" is forbidden: cannot exec into or attach to a privileged container\n']);
  const ok = await kubectl('exec', 'plain', '--', 'sh', '-c', 'echo hi; exit 3');
  assert.deepEqual([ok.code, ok.stdout], [3, 'hi\n']);
});
