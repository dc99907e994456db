// Chapter 9's entries started as a checkpoint starts them (startComponent, a state folder of their own): the
// PKI made once for all of them, HTTPS everywhere, the kubelet's and scheduler's client certificates accepted by
// RBAC, the real kubectl as the admin (admin.conf's user) and as users RBAC allows or refuses, a kubelet that
// refuses anyone without a certificate, and the kubeconfig the supervisor writes from the API server's announcement.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import { startComponent, stopProcessTree, type ComponentProcess } from '../../src/workbook/supervisor.ts';
import type { ComponentSpec } from '../../src/workbook/types.ts';
import type { Announcement } from '../../src/util/announce.ts';
import { kubeconfigCredentials, writeKubeconfig } from '../../src/workbook/kubeconfig.ts';
import { ClusterPKI } from '../../src/pki/pki.ts';
import { waitFor } from '../../src/util/wait.ts';
import { run, hasKubectl } from './cri-common.ts';

const kubectlMissing = !(await hasKubectl()) && 'the real kubectl is not on PATH';

describe('chapter 9 entries (src/checkpoints/security)', { timeout: 300_000 }, () => {
  const procs: ComponentProcess[] = [];
  const announced: Record<string, Announcement> = {};
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let admin = '';
  let pki: ClusterPKI;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ike-security-'));
    const start = async (spec: ComponentSpec, args: string[]) => {
      const p = await startComponent(spec, { repoRoot, stateDir: dir, args, log: () => {}, readyTimeoutMs: 120_000 });
      procs.push(p);
      announced[spec.name] = p.announcement;
      return p.announcement;
    };
    const api = await start({ name: 'apiserver', entry: 'src/checkpoints/security/apiserver.ts', probe: 'http' }, ['--port=0']);
    admin = join(dir, 'kubeconfig');
    writeKubeconfig(admin, api.url!, kubeconfigCredentials(api));
    env = { ...process.env, KUBECONFIG: admin, KUBECACHEDIR: join(dir, 'kube-cache') };
    // Chapter 8's node: an engine, the dockershim whose streaming server speaks SPDY (the API server's translator does).
    const engine = await start({ name: 'docker-node-1', entry: 'src/checkpoints/engine/engine.ts', probe: 'socket' }, []);
    const shim = await start({ name: 'shim-node-1', entry: 'src/checkpoints/spdy/dockershim.ts', probe: 'socket' }, [`--docker-endpoint=unix://${engine.socket}`]);
    await Promise.all([
      start({ name: 'scheduler', entry: 'src/checkpoints/security/scheduler.ts', probe: 'none' }, [`--apiserver=${api.url}`, '--node-monitor-grace-period=20s', '--node-monitor-period=1s']),
      start({ name: 'kubelet-node-1', entry: 'src/checkpoints/security/kubelet.ts', probe: 'http' },
        ['--node-name=node-1', `--apiserver=${api.url}`, '--port=0', '--heartbeat-interval=1s', `--container-runtime-endpoint=unix://${shim.socket}`]),
    ]);
    pki = await ClusterPKI.open(dir);
  });
  after(async () => {
    for (const p of procs.reverse()) await stopProcessTree(p.child, p.exited);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('one CA for every component, its key private; everyone announces https', () => {
    assert.match(announced.apiserver!.url!, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(announced['kubelet-node-1']!.url!, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(String(announced['kubelet-node-1']!.healthzURL), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(statSync(join(dir, 'pki', 'ca.key')).mode & 0o777, 0o600);
    for (const f of ['apiserver', 'apiserver-kubelet-client', 'admin', 'scheduler', 'kubelet-node-1', 'kubelet-node-1-client']) {
      assert.equal(statSync(join(dir, 'pki', `${f}.key`)).mode & 0o777, 0o600, f);
    }
  });

  test('the kubelet registered its Node with its client certificate; the admin runs a pod and execs into it', { skip: kubectlMissing }, async () => {
    await waitFor(async () => (await run('kubectl', ['get', 'node', 'node-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], env)).stdout === 'True',
      { timeoutMs: 60_000, what: 'node-1 Ready' });
    const created = await run('kubectl', ['run', 'web', '--image=nginx'], env);
    assert.equal(created.code, 0, created.stderr);
    await waitFor(async () => (await run('kubectl', ['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'], env)).stdout === 'Running',
      { timeoutMs: 60_000, what: 'pod web Running (bound by the scheduler, started by the kubelet)' });
    const r = await run('kubectl', ['exec', 'web', '--', 'sh', '-c', 'echo secured; exit 3'], env);
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'secured\n', 'command terminated with exit code 3\n']);
  });

  test('alice (no role) is refused with RBAC\'s words; bound to edit she may exec', { skip: kubectlMissing }, async () => {
    await waitFor(async () => (await run('kubectl', ['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'], env)).stdout === 'Running', { timeoutMs: 60_000, what: 'pod web Running' });
    const alice = await pki.user('alice', ['dev']);
    const kc = join(dir, 'alice.kubeconfig');
    writeKubeconfig(kc, announced.apiserver!.url!, { caPEM: pki.caPEM, user: { name: 'alice', certPEM: alice.certPEM, keyPEM: alice.keyPEM } });
    const aliceEnv = { ...env, KUBECONFIG: kc };
    // kubectl reads the pod first: with no role at all, that GET is what is refused.
    const nothing = await run('kubectl', ['exec', 'web', '--', 'true'], aliceEnv);
    assert.deepEqual([nothing.code, nothing.stderr], [1, 'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"\n']);
    // view reads pods, and no more: the exec itself is refused (create, for the WebSocket GET too).
    assert.equal((await run('kubectl', ['create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice'], env)).code, 0);
    const refused = await waitFor(async () => { const r = await run('kubectl', ['exec', 'web', '--', 'true'], aliceEnv); return r.stderr.includes('pods/exec') && r; }, { timeoutMs: 30_000, what: 'the exec refused' });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /pods "web" is forbidden: User "alice" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
    const bound = await run('kubectl', ['create', 'rolebinding', 'alice-edit', '--clusterrole=edit', '--user=alice'], env);
    assert.equal(bound.code, 0, bound.stderr);
    const ok = await waitFor(async () => { const r = await run('kubectl', ['exec', 'web', '--', 'echo', 'alice'], aliceEnv); return r.code === 0 && r; }, { timeoutMs: 30_000, what: 'alice allowed' });
    assert.equal(ok.stdout, 'alice\n');
  });

  test('the kubelet\'s port: no certificate is 401 on /exec, /pods and /metrics', async () => {
    const kubelet = new URL(announced['kubelet-node-1']!.url!);
    for (const [method, path] of [['POST', '/exec/default/web/web?command=id&output=1'], ['GET', '/pods'], ['GET', '/metrics']] as const) {
      const r = await new Promise<{ code: number; body: string }>((resolve, reject) => {
        https.request(new URL(path, kubelet), { method, ca: pki.caPEM, agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => { body += c; });
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        }).on('error', reject).end();
      });
      assert.deepEqual(r, { code: 401, body: 'Unauthorized' }, `${method} ${path}`);
    }
  });
});
