// Audit in chapter 9's handler chain: after authentication (user = who presented the token), before impersonation
// (impersonatedUser) and authorization (its 403 recorded with the real words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { APISecurity } from '../../../../src/apiserver/auth/security.ts';
import { Auditor } from '../../../../src/apiserver/audit/auditor.ts';
import { LogBackend } from '../../../../src/apiserver/audit/log-backend.ts';
import { defaultAuditPolicy } from '../../../../src/apiserver/audit/default-policy.ts';
import type { Event } from '../../../../src/apiserver/audit/event.ts';
import { admitExecOnConnect } from '../../../../src/apiserver/admission/connect.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { AdmissionChain, type AdmissionPlugin, type Attributes } from '../../../../src/apiserver/admission/interfaces.ts';
import { waitFor } from '../../../../src/util/wait.ts';

function upgrade(url: string, path: string, headers: Record<string, string>): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1');
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n${extra}\r\n`);
    let raw = '';
    sock.on('data', (c) => { raw += c.toString(); });
    sock.on('end', () => { sock.destroy(); resolve(Number(raw.split(' ')[1])); });
    sock.on('error', reject);
  });
}

test('events name the token\'s user, the impersonated one, and the authorizer\'s refusal; admission sees who acts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-sec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logPath = join(dir, 'audit.log');
  const auditor = new Auditor({ policy: defaultAuditPolicy, backend: new LogBackend(logPath) });
  const security = new APISecurity({ tokenAuthFile: 'admin-token,admin,1,system:masters\nalice-token,alice,2,dev\n',
    afterAuthentication: [auditor.filter()], annotate: (req, k, v) => auditor.annotate(req, k, v), log: () => {} });
  const seen: Attributes[] = [];
  const recorder: AdmissionPlugin = { name: 'Recorder', handles: () => true, validate: async (a) => { seen.push(a); } };
  // The backend is never reached with a valid upgrade here: a refusal is what this test is about.
  const server = new APIServer({ name: 'apiserver', stateDir: dir, log: () => {}, extensions: [auditor.failedAuthenticationExtension(), security],
    subresources: { 'pods/exec': admitExecOnConnect(security.connectCreate(execSubresource(() => ({ connect: (_r, socket) => void socket.end('HTTP/1.1 500 Internal Server Error\r\n\r\n') }))), () => new AdmissionChain([recorder])) } });
  const url = await server.listen(0);
  t.after(async () => { await server.close(); await auditor.close(); });
  await server.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
  const path = '/api/v1/namespaces/default/pods/web/exec?command=id&stdout=true';
  assert.equal(await upgrade(url, path, { Authorization: 'Bearer alice-token' }), 403);
  assert.equal(await upgrade(url, path, { Authorization: 'Bearer admin-token', 'Impersonate-User': 'alice' }), 403);
  assert.equal(await upgrade(url, path, { Authorization: 'Bearer admin-token' }), 500);
  assert.equal(await upgrade(url, path, { Authorization: 'Bearer wrong' }), 401);
  const events = await waitFor(() => {
    const evs = (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event)
      .filter((e) => e.stage === 'ResponseComplete' && e.objectRef?.subresource === 'exec');
    return evs.length === 3 && evs;
  }, { timeoutMs: 20_000, what: 'three exec ResponseComplete events' });
  const [alice, asAlice, admin] = events;
  assert.deepEqual(alice!.user, { username: 'alice', uid: '2', groups: ['dev', 'system:authenticated'] });
  assert.deepEqual([alice!.responseStatus?.code, alice!.responseStatus?.message], [403, 'pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default"']);
  assert.deepEqual([asAlice!.user.username, asAlice!.impersonatedUser], ['admin', { username: 'alice', groups: ['system:authenticated'] }]);
  assert.equal(asAlice!.responseStatus?.code, 403);
  assert.deepEqual([admin!.user.username, admin!.impersonatedUser, admin!.responseStatus?.code], ['admin', undefined, 500]);
  // Authorization's decision, as upstream's WithAuthorization annotates it: the admin may impersonate alice, and
  // alice (the user the request then acts as) may not exec.
  assert.equal(alice!.annotations?.['authorization.k8s.io/decision'], 'forbid');
  assert.equal(asAlice!.annotations?.['authorization.k8s.io/decision'], 'forbid');
  assert.equal(admin!.annotations?.['authorization.k8s.io/decision'], 'allow');
  // A refused credential: one ResponseStarted event, no user, the methods tried (WithFailedAuthenticationAudit).
  const failed = await waitFor(() => (readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event)
    .find((e) => e.responseStatus?.code === 401)), { timeoutMs: 20_000, what: 'the 401 event' });
  assert.deepEqual([failed.stage, failed.user, failed.verb, failed.objectRef?.subresource, failed.responseStatus],
    ['ResponseStarted', {}, 'create', 'exec', { metadata: {}, message: 'Authentication failed, attempted: bearer', code: 401 }]);
  // Admission ran once, for the admin (alice was refused before it), with the user the request acts as.
  assert.deepEqual(seen.map((a) => a.userInfo?.name), ['admin']);
});
