// Chapter 9's API server audits and admits: the real kubectl over TLS as the admin, through the kubelet and the
// shim's streaming server; the audit log (<state>/audit.log) names the user, the exec and its exit code; a
// privileged pod is refused by DenyEscalatingExec with its words; a refused credential is audited as a 401.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import { startComponent, stopProcessTree, type ComponentProcess } from '../../src/workbook/supervisor.ts';
import type { ComponentSpec } from '../../src/workbook/types.ts';
import type { Announcement } from '../../src/util/announce.ts';
import { kubeconfigCredentials, writeKubeconfig } from '../../src/workbook/kubeconfig.ts';
import { ClusterPKI } from '../../src/pki/pki.ts';
import type { Event } from '../../src/apiserver/audit/event.ts';
import { waitFor } from '../../src/util/wait.ts';
import { run, hasKubectl } from './cri-common.ts';

const kubectlMissing = !(await hasKubectl()) && 'the real kubectl is not on PATH';

describe('chapter 9\'s API server: audit and admission (src/checkpoints/security)', { timeout: 300_000 }, () => {
  const procs: ComponentProcess[] = [];
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let api: Announcement;
  const events = () => (existsSync(join(dir, 'audit.log')) ? readFileSync(join(dir, 'audit.log'), 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ike-security-audit-'));
    const start = async (spec: ComponentSpec, args: string[]) => {
      const p = await startComponent(spec, { repoRoot, stateDir: dir, args, log: () => {}, readyTimeoutMs: 120_000 });
      procs.push(p);
      return p.announcement;
    };
    api = await start({ name: 'apiserver', entry: 'src/checkpoints/security/apiserver.ts', probe: 'http' }, ['--port=0']);
    writeKubeconfig(join(dir, 'kubeconfig'), api.url!, kubeconfigCredentials(api));
    env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'kube-cache') };
    // Chapter 8's node: an engine, the dockershim whose streaming server speaks SPDY (the API server's translator does).
    const engine = await start({ name: 'docker-node-1', entry: 'src/checkpoints/engine/engine.ts', probe: 'socket' }, []);
    const shim = await start({ name: 'shim-node-1', entry: 'src/checkpoints/spdy/dockershim.ts', probe: 'socket' }, [`--docker-endpoint=unix://${engine.socket}`]);
    await Promise.all([
      start({ name: 'scheduler', entry: 'src/checkpoints/security/scheduler.ts', probe: 'none' }, [`--apiserver=${api.url}`, '--node-monitor-grace-period=20s', '--node-monitor-period=1s']),
      start({ name: 'kubelet-node-1', entry: 'src/checkpoints/security/kubelet.ts', probe: 'http' },
        ['--node-name=node-1', `--apiserver=${api.url}`, '--port=0', '--heartbeat-interval=1s', `--container-runtime-endpoint=unix://${shim.socket}`]),
    ]);
  });
  after(async () => {
    for (const p of procs.reverse()) await stopProcessTree(p.child, p.exited);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the admin\'s exec through the kubelet: three stages, its user, exit code 3, the command redacted', { skip: kubectlMissing }, async () => {
    await waitFor(async () => (await run('kubectl', ['get', 'node', 'node-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], env)).stdout === 'True',
      { timeoutMs: 60_000, what: 'node-1 Ready' });
    assert.equal((await run('kubectl', ['run', 'web', '--image=nginx'], env)).code, 0);
    await waitFor(async () => (await run('kubectl', ['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'], env)).stdout === 'Running', { timeoutMs: 60_000, what: 'pod web Running' });
    const r = await run('kubectl', ['exec', 'web', '--', 'sh', '-c', 'echo audited; exit 3'], env);
    assert.deepEqual([r.code, r.stdout], [3, 'audited\n']);
    const exec = await waitFor(() => { const e = events().filter((x) => x.objectRef?.subresource === 'exec'); return e.some((x) => x.stage === 'ResponseComplete') && e; },
      { timeoutMs: 30_000, what: 'the exec\'s ResponseComplete in <state>/audit.log' });
    assert.deepEqual(exec.map((e) => [e.stage, e.responseStatus?.code]), [['RequestReceived', undefined], ['ResponseStarted', 101], ['ResponseComplete', 101]]);
    const done = exec[2]!;
    assert.ok(done.user.username && done.user.groups?.includes('system:authenticated'), JSON.stringify(done.user));
    assert.equal(done.annotations!['exec.workbook.dev/exit-code'], '3');
    assert.equal(done.annotations!['authorization.k8s.io/decision'], 'allow');
    assert.ok(done.annotations!['authorization.k8s.io/reason'], 'the authorizer says why');
    assert.match(done.requestURI, /command=sh&command=\[redacted\]&command=\[redacted\]/);
    assert.equal(statSync(join(dir, 'audit.log')).mode & 0o777, 0o600);
  });

  test('a privileged pod: DenyEscalatingExec refuses the exec with its words, and the refusal is audited', { skip: kubectlMissing }, async () => {
    assert.equal((await run('kubectl', ['run', 'priv', '--image=nginx', '--privileged'], env)).code, 0);
    const r = await run('kubectl', ['exec', 'priv', '--', 'id'], env);
    assert.deepEqual([r.code, r.stderr], [1, 'Error from server (Forbidden): pods "priv" is forbidden: cannot exec into or attach to a privileged container\n']);
    const refused = await waitFor(() => { const e = events().filter((x) => x.objectRef?.name === 'priv' && x.objectRef.subresource === 'exec' && x.stage === 'ResponseComplete'); return e.length >= 1 && e; },
      { timeoutMs: 30_000, what: 'the refusal in the audit log' });
    assert.equal(refused[0]!.responseStatus?.message, 'pods "priv" is forbidden: cannot exec into or attach to a privileged container');
  });

  test('a client certificate from another CA is a 401, audited without a user', async () => {
    const pki = await ClusterPKI.open(dir);
    const other = await ClusterPKI.open(mkdtempSync(join(dir, 'other-ca-')));
    const mallory = await other.user('mallory', ['system:masters']);
    const code = await new Promise<number>((resolve, reject) => {
      // A create: the default policy leaves reads out, refused or not.
      https.request(new URL('/api/v1/namespaces/default/pods', api.url), { method: 'POST', ca: pki.caPEM, cert: mallory.certPEM, key: mallory.keyPEM, agent: false,
        headers: { 'Content-Type': 'application/json' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end('{}');
    });
    assert.equal(code, 401);
    const failed = await waitFor(() => events().find((e) => e.responseStatus?.code === 401), { timeoutMs: 30_000, what: 'the 401 event' });
    assert.deepEqual([failed.stage, failed.user, failed.verb, failed.responseStatus?.message], ['ResponseStarted', {}, 'create', 'Authentication failed, attempted: x509']);
  });
});
