// The real kubectl against an API server with chapter 9's security, over TLS with a CA it verifies: client
// certificates (CN = user, O = groups) and a static token authenticate; RBAC decides; `kubectl auth can-i` answers as
// the real server makes it answer; `kubectl create role/rolebinding` grants an exec that was refused before.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { APIServer } from '../../src/apiserver/server.ts';
import { APISecurity } from '../../src/apiserver/auth/security.ts';
import { execSubresource } from '../../src/apiserver/exec/rest.ts';
import { LocalExecBackend } from '../../src/apiserver/exec/local.ts';
import { plannedSubresources } from '../../src/apiserver/subresources.ts';
import { TestPKI, type Pair } from '../unit/apiserver/auth/certs.ts';

const onPath = (cmd: string) => (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
const skip = !onPath('kubectl') ? 'the real kubectl is not on PATH (CI has it): skipping' : false;

const b64 = (s: string) => Buffer.from(s).toString('base64');

// The versioned binaries the kubectl dispatcher keeps beside itself (machine.md: kubectl.1.27 … kubectl.1.33).
function bundled(version: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (!d || !existsSync(join(d, 'kubectl'))) continue;
    try {
      const f = join(dirname(realpathSync(join(d, 'kubectl'))), `kubectl.${version}`);
      if (existsSync(f)) return f;
    } catch { /* a broken link: look further */ }
  }
  return undefined;
}

describe('the real kubectl over TLS, authenticated and authorized', { skip }, () => {
  let pki: TestPKI, server: APIServer, dir: string, kubeconfig: string;
  let users: Record<string, Pair>;

  before(async () => {
    pki = await TestPKI.create();
    const serving = await pki.leaf('apiserver', { cn: 'kube-apiserver' }, 'server');
    users = {
      admin: await pki.leaf('admin', { cn: 'kubernetes-admin', o: ['system:masters'] }, 'client'),
      alice: await pki.leaf('alice', { cn: 'alice', o: ['dev'] }, 'client'),
    };
    dir = mkdtempSync(join(tmpdir(), 'rbac-kubectl-'));
    const security = new APISecurity({ clientCA: pki.ca.cert, tokenAuthFile: 'bob-token,bob,1001\n', log: () => {} });
    server = new APIServer({
      name: 'apiserver', stateDir: dir, log: () => {}, extensions: [security],
      tls: { cert: serving.cert, key: serving.key, clientCA: pki.ca.cert },
      subresources: { ...plannedSubresources(), 'pods/exec': security.connectCreate(execSubresource((api) => new LocalExecBackend({ stateDir: api.stateDir, log: () => {}, pods: api.pods }))) },
    });
    const url = await server.listen(0);
    const certUser = (p: Pair) => `    client-certificate-data: ${b64(p.cert)}\n    client-key-data: ${b64(p.key)}\n`;
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters:
- name: secure
  cluster:
    server: ${url}
    certificate-authority-data: ${b64(pki.ca.cert)}
users:
- name: admin
  user:
${certUser(users.admin!)}- name: alice
  user:
${certUser(users.alice!)}- name: bob
  user:
    token: bob-token
- name: mallory
  user:
    token: guessed-token
contexts:
- name: admin
  context: { cluster: secure, user: admin, namespace: default }
current-context: admin
`, { mode: 0o600 });
  });

  after(async () => {
    await server?.close();
    pki?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Each call gets a fresh discovery cache: what one user may discover is not what another may.
  const kubectl = (user: string, ...args: string[]) => kubectlBinary('kubectl', user, ...args);
  const kubectlBinary = (binary: string, user: string, ...args: string[]): Promise<{ code: number | null; out: string }> => new Promise((resolve, reject) => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const child = spawn(binary, [`--kubeconfig=${kubeconfig}`, `--user=${user}`, `--cache-dir=${cache}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });

  test('a client certificate in system:masters may do anything; one without bindings is refused with the real words', async () => {
    const run = await kubectl('admin', 'run', 'web', '--image=busybox', '--restart=Never');
    assert.equal(run.code, 0, run.out);
    const get = await kubectl('admin', 'get', 'pods', '-o', 'name');
    assert.deepEqual([get.code, get.out.trim()], [0, 'pod/web']);
    const alice = await kubectl('alice', 'get', 'pods');
    assert.equal(alice.code, 1);
    assert.match(alice.out, /Error from server \(Forbidden\): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"/);
  });

  // client-go words a 401 on discovery itself, as it does against a real cluster with an expired token.
  test('a token nobody issued: "You must be logged in to the server"', async () => {
    const r = await kubectl('mallory', 'get', 'pods');
    assert.equal(r.code, 1);
    assert.match(r.out, /error: You must be logged in to the server \(the server has asked for the client to provide credentials\)/);
    const raw = await kubectl('mallory', 'get', '--raw', '/api/v1/namespaces/default/pods');
    assert.match(raw.out, /error: You must be logged in to the server \(Unauthorized\)/);
  });

  test('kubectl auth can-i, for oneself and --as someone else', async () => {
    const can = async (user: string, ...args: string[]) => { const r = await kubectl(user, 'auth', 'can-i', ...args); return `${r.code} ${r.out.trim()}`; };
    assert.equal(await can('admin', 'create', 'pods/exec'), '0 yes');
    assert.equal(await can('bob', 'create', 'pods/exec'), '1 no');
    assert.equal(await can('admin', 'create', 'pods/exec', '--as=bob'), '1 no');
    assert.equal(await can('admin', 'get', 'pods', '--as=alice', '--as-group=dev'), '1 no');
    // Asking as someone else needs `impersonate users`: bob has not got it.
    const r = await kubectl('bob', 'auth', 'can-i', 'get', 'pods', '--as=alice');
    assert.equal(r.code, 1);
    assert.match(r.out, /users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope/);
  });

  test('kubectl auth whoami: the user the API server sees, from the certificate, the token, or --as', async () => {
    const alice = await kubectl('alice', 'auth', 'whoami');
    assert.equal(alice.code, 0, alice.out);
    assert.match(alice.out, /^ATTRIBUTE\s+VALUE\nUsername\s+alice\nGroups\s+\[dev system:authenticated\]\n$/);
    const bob = await kubectl('bob', 'auth', 'whoami', '-o', 'json');
    assert.deepEqual(JSON.parse(bob.out).status.userInfo, { username: 'bob', uid: '1001', groups: ['system:authenticated'] });
    const as = await kubectl('admin', 'auth', 'whoami', '--as=carol', '--as-group=qa');
    assert.match(as.out, /Username\s+carol\nGroups\s+\[qa system:authenticated\]/);
  });

  test('kubectl auth can-i --list: the rules RBAC gives, from a SelfSubjectRulesReview', async () => {
    const r = await kubectl('alice', 'auth', 'can-i', '--list');
    assert.equal(r.code, 0, r.out);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    assert.ok(lines.some((l) => /^selfsubjectaccessreviews.authorization.k8s.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l)), r.out);
    assert.ok(lines.some((l) => /^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/.test(l)), r.out);
    assert.ok(!lines.some((l) => l.startsWith('pods ')), 'alice has no binding: no pods');
  });

  test('kubectl create role and rolebinding: the exec refused before is allowed after, over TLS to the end', async () => {
    // kubectl exec first GETs the pod: bob may read (view), not exec.
    const view = await kubectl('admin', 'create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob');
    assert.equal(view.code, 0, view.out);
    const before = await kubectl('bob', 'exec', 'web', '--', 'echo', 'hello');
    assert.equal(before.code, 1);
    assert.match(before.out, /Error from server \(Forbidden\): pods "web" is forbidden: User "bob" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
    // Both verbs: the WebSocket GET is authorized as `get` by the filter and as `create` by the connect check. With
    // `create` alone the GET is refused and kubectl falls back to SPDY (which this chapter-2 backend does not serve).
    const role = await kubectl('admin', 'create', 'role', 'exec-web', '--verb=get,create', '--resource=pods/exec', '--resource-name=web');
    assert.equal(role.code, 0, role.out);
    assert.match(role.out, /role.rbac.authorization.k8s.io\/exec-web created/);
    const binding = await kubectl('admin', 'create', 'rolebinding', 'bob-exec-web', '--role=exec-web', '--user=bob');
    assert.equal(binding.code, 0, binding.out);
    // `can-i create pods/exec` would ask about a pod named "exec": a subresource is --subresource.
    assert.equal((await kubectl('admin', 'auth', 'can-i', 'create', 'pods', '--subresource=exec', '--as=bob')).out.trim(), 'no', 'resourceNames: not every pod');
    assert.equal((await kubectl('bob', 'auth', 'can-i', 'create', 'pods/web', '--subresource=exec')).out.trim(), 'yes');
    const after = await kubectl('bob', 'exec', 'web', '--', 'echo', 'hello');
    assert.deepEqual([after.code, after.out], [0, 'hello\n']);
    const roles = await kubectl('admin', 'get', 'roles,rolebindings');
    assert.equal(roles.code, 0, roles.out);
    assert.match(roles.out, /role.rbac.authorization.k8s.io\/exec-web\s+\S+/);
    assert.match(roles.out, /rolebinding.rbac.authorization.k8s.io\/bob-exec-web\s+Role\/exec-web/);
  });

  // kubectl 1.29 speaks SPDY only: its POST is `create pods/exec`, refused by the filter with the same sentence.
  test('the SPDY POST of kubectl 1.29 is refused in the same words', { skip: bundled('1.29') ? false : 'kubectl 1.29 is not bundled beside kubectl here' }, async () => {
    const r = await kubectlBinary(bundled('1.29')!, 'alice', 'exec', 'web', '--', 'true');
    assert.equal(r.code, 1);
    assert.match(r.out, /Error from server \(Forbidden\): pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"/);
    const view = await kubectl('admin', 'create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice');
    assert.equal(view.code, 0, view.out);
    const exec = await kubectlBinary(bundled('1.29')!, 'alice', 'exec', 'web', '--', 'true');
    assert.equal(exec.code, 1);
    assert.match(exec.out, /Error from server \(Forbidden\): pods "web" is forbidden: User "alice" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
  });

  test('a client certificate from another CA is refused with 401, whatever its CN says', async () => {
    const other = await TestPKI.create();
    const forged = await other.leaf('forged', { cn: 'kubernetes-admin', o: ['system:masters'] }, 'client');
    other.remove();
    const code = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/api/v1/namespaces/default/pods`, { ca: pki.ca.cert, cert: forged.cert, key: forged.key }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    });
    assert.equal(code, 401);
  });
});
