// Chapter 9's checkpoint: the shared exec scenarios with the real kubectl on each path (1.29 SPDY through the proxy,
// 1.33 a v5 WebSocket the StreamTranslator turns into SPDY, 1.32 on SPDY) and ours both ways, all as the admin over TLS
// (the kubeconfig's CA and certificate); then the doors: no credential is refused at the API server (403 as
// system:anonymous, 401 for a certificate from another CA) and 401 at the kubelet,
// alice (view) is refused exec with RBAC's sentence, bob (edit) execs.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledKubectl, execScenarios, ourKubectl, type ExecClient } from './exec-scenarios.ts';
import { run, hasKubectl } from './cri-common.ts';
import { startCheckpoint, type RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { ClusterPKI } from '../../src/pki/pki.ts';
import { writeKubeconfig } from '../../src/workbook/kubeconfig.ts';
import { waitFor } from '../../src/util/wait.ts';

const SPDY_ONLY = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
const real = (version: string, env?: Record<string, string>): ExecClient => ({
  name: `kubectl ${version} (${env ? 'SPDY, KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false' : Number(version.split('.')[1]) <= 29 ? 'SPDY' : 'WebSocket, translated'})`,
  argv: [bundledKubectl(version) ?? `kubectl.${version}`], env, scenarios: 'all',
});
const clients: ExecClient[] = [
  real('1.33'),
  real('1.29'),
  real('1.32', SPDY_ONLY),
  { name: 'our kubectl (WebSocket, translated)', argv: ourKubectl(), scenarios: 'all' },
  { name: 'our kubectl (SPDY, KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', argv: ourKubectl(), env: SPDY_ONLY, scenarios: 'all' },
];
// The other bundled versions, each on its default path, over the same TLS and credentials (terminals: the five above,
// one per path; chapter 8's suite runs every version's terminals).
const others = ['1.27', '1.28', '1.30', '1.31', '1.32'].map((v) => real(v));

execScenarios('security', { missingCommand: 'exit-126', clients: [...clients, ...others], ttyClients: clients });

const kubectlMissing = !(await hasKubectl()) && 'the real kubectl is not on PATH';

// An https request with the CA (the server is verified) and no client certificate: what anyone on the machine can send.
function anonymous(url: string, ca: string, method = 'GET', headers: Record<string, string> = {}, client: { cert?: string; key?: string } = {}): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { method, ca, headers, ...client, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

describe('chapter 9 (security): who may exec', { timeout: 300_000 }, () => {
  let cp: RunningCheckpoint;
  let pki: ClusterPKI;
  const k = (args: string[], kubeconfig = cp.kubeconfig) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], cp.env);
  const userKubeconfig = async (name: string) => {
    const user = await pki.user(name);
    const file = join(cp.stateDir, `${name}.kubeconfig`);
    writeKubeconfig(file, cp.announcements.apiserver!.url!, { caPEM: pki.caPEM, user: { name, certPEM: user.certPEM, keyPEM: user.keyPEM } });
    return file;
  };

  before(async () => {
    cp = await startCheckpoint('security');
    pki = await ClusterPKI.open(cp.stateDir);
  });
  after(async () => { await cp?.stop(); });

  // Upstream's default --anonymous-auth=true: no credential at all is system:anonymous, whom RBAC refuses (403); a
  // credential that fails (a certificate the cluster's CA did not sign) is 401 Unauthorized.
  test('no credential is system:anonymous, refused (403); a certificate from another CA is 401 Unauthorized', async () => {
    const api = cp.announcements.apiserver!.url!;
    assert.match(api, /^https:/);
    const url = `${api}/api/v1/namespaces/default/pods/web/exec?command=id&stdout=true`;
    // The verb comes from the method (a GET is first authorized as get, as upstream's filter does; the create check
    // for a WebSocket GET comes after it).
    for (const [method, verb] of [['GET', 'get'], ['POST', 'create']]) {
      const r = await anonymous(url, pki.caPEM, method);
      assert.equal(r.code, 403, method);
      const status = JSON.parse(r.body);
      assert.equal(status.reason, 'Forbidden', method);
      assert.equal(status.message, `pods "web" is forbidden: User "system:anonymous" cannot ${verb} resource "pods/exec" in API group "" in the namespace "default"`, method);
    }
    // A client certificate from some other CA fails x509 verification: an error, not "no credential", so 401.
    const otherDir = mkdtempSync(join(tmpdir(), 'ike-other-ca-'));
    const stranger = await (await ClusterPKI.open(otherDir)).user('mallory', ['system:masters']);
    rmSync(otherDir, { recursive: true, force: true });
    const r = await anonymous(url, pki.caPEM, 'POST', {}, { cert: stranger.certPEM, key: stranger.keyPEM });
    assert.equal(r.code, 401);
    assert.deepEqual(JSON.parse(r.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  test('curl without a certificate at the kubelet: 401 on /exec and /pods', async (t) => {
    const curl = await new Promise<boolean>((r) => execFile('which', ['curl'], (err) => r(!err)));
    if (!curl) return t.skip('curl is not installed');
    const kubelet = cp.announcements['kubelet-node-1']!.url!;
    for (const [method, path] of [['POST', '/exec/default/web/web?command=id&output=1'], ['GET', '/pods']]) {
      const r = await run('curl', ['-sk', '-X', method!, '-w', '\n%{http_code}', `${kubelet}${path}`], cp.env);
      assert.equal(r.stdout, 'Unauthorized\n401', `${method} ${path}`);
    }
  });

  test('alice (view) is refused exec with RBAC\'s sentence; bob (edit) execs', { skip: kubectlMissing }, async () => {
    assert.equal((await k(['run', 'web', '--image=nginx'])).code, 0);
    await waitFor(async () => (await k(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', { timeoutMs: 60_000, what: 'pod web Running' });
    for (const [user, role] of [['alice', 'view'], ['bob', 'edit']]) {
      const r = await k(['create', 'rolebinding', `${user}-${role}`, `--clusterrole=${role}`, `--user=${user}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual((await k(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '--as=alice'])).stdout, 'no\n');
    assert.deepEqual((await k(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '--as=bob'])).stdout, 'yes\n');
    const alice = await userKubeconfig('alice');
    const refused = await k(['exec', 'web', '--', 'id'], alice);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stderr, 'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default"\n');
    const bob = await userKubeconfig('bob');
    const allowed = await k(['exec', 'web', '--', 'sh', '-c', 'echo bob was here; exit 7'], bob);
    assert.deepEqual([allowed.code, allowed.stdout, allowed.stderr], [7, 'bob was here\n', 'command terminated with exit code 7\n']);
  });
});
