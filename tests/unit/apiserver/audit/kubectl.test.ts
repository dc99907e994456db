// Audit at an API server with the real kubectl: the exec's three stages with objectRef and the session record.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { LocalExecBackend } from '../../../../src/apiserver/exec/local.ts';
import { plannedSubresources } from '../../../../src/apiserver/subresources.ts';
import { admitExecOnConnect } from '../../../../src/apiserver/admission/connect.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { AdmissionChain } from '../../../../src/apiserver/admission/interfaces.ts';
import { DenyEscalatingExec } from '../../../../src/apiserver/admission/deny-exec.ts';
import { auditorFromFlags } from '../../../../src/apiserver/audit/flags.ts';
import type { Event } from '../../../../src/apiserver/audit/event.ts';
import { waitFor } from '../../../../src/util/wait.ts';

// The real kubectl of one minor version, beside the dispatcher on PATH; undefined when the machine has none.
function realKubectl(minor: number): Promise<string | undefined> {
  return new Promise((resolve) => execFile('which', ['kubectl'], (err, out) => {
    if (err) return resolve(undefined);
    const path = join(dirname(realpathSync(out.trim())), `kubectl.1.${minor}`);
    resolve(existsSync(path) ? path : undefined);
  }));
}

async function start(t: TestContext, policyYAML?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logPath = join(dir, 'audit.log');
  const flags: Record<string, string> = { 'audit-log-path': logPath };
  if (policyYAML) { writeFileSync(join(dir, 'policy.yaml'), policyYAML); flags['audit-policy-file'] = join(dir, 'policy.yaml'); }
  const auditor = auditorFromFlags(flags);
  t.after(() => auditor!.close());
  const server = new APIServer({ name: 'apiserver', stateDir: dir, log: () => {}, extensions: [auditor!.extension()],
    subresources: { ...plannedSubresources(), 'pods/exec': admitExecOnConnect(
      execSubresource((api) => new LocalExecBackend({ stateDir: api.stateDir, pods: api.pods })),
      (api) => new AdmissionChain([new DenyEscalatingExec((ns, n) => api.pods.get(ns, n))])) } });
  const url = await server.listen(0);
  t.after(() => server.close());
  for (const [name, privileged] of [['web', false], ['priv', true]] as const) {
    const res = await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox', securityContext: { privileged } }] } }) });
    assert.equal(res.status, 201);
  }
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: '${url}'}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n`);
  const run = (bin: string, args: string[], env: Record<string, string> = {}) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(bin, ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
  const events = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
  // The events of the exec requests into one pod, once its ResponseComplete is written (after the socket closed).
  const execEvents = (pod: string) => waitFor(() => {
    const evs = events().filter((e) => e.objectRef?.subresource === 'exec' && e.objectRef.name === pod);
    return evs.some((e) => e.stage === 'ResponseComplete') && evs;
  }, { timeoutMs: 30_000, what: `the audit events of the exec into ${pod}` });
  return { url, logPath, run, events, execEvents };
}

test('kubectl 1.32 over WebSocket: RequestReceived, ResponseStarted at the 101, ResponseComplete with exit code, bytes, duration; command redacted', async (t) => {
  const kubectl = await realKubectl(32);
  if (!kubectl) return t.skip('the real kubectl 1.32 is not on this machine');
  const { run, execEvents, logPath, events } = await start(t);
  const r = await run(kubectl, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\ncommand terminated with exit code 3\n']);
  const evs = await execEvents('web');
  assert.deepEqual(evs.map((e) => [e.stage, e.responseStatus?.code]), [['RequestReceived', undefined], ['ResponseStarted', 101], ['ResponseComplete', 101]]);
  for (const e of evs) {
    assert.equal(e.kind, 'Event'); assert.equal(e.apiVersion, 'audit.k8s.io/v1'); assert.equal(e.level, 'Metadata');
    assert.equal(e.verb, 'get', 'the WebSocket upgrade is a GET');
    assert.deepEqual(e.objectRef, { resource: 'pods', namespace: 'default', name: 'web', apiVersion: 'v1', subresource: 'exec' });
    assert.equal(e.auditID, evs[0]!.auditID);
    assert.deepEqual(e.sourceIPs, ['127.0.0.1']);
    assert.match(e.userAgent!, /^kubectl[^/]*\/v1\.32\./, "the user agent is the binary name and its version");
    assert.match(e.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // argv[0] kept, its arguments redacted at Metadata.
    assert.match(e.requestURI, /^\/api\/v1\/namespaces\/default\/pods\/web\/exec\?command=sh&command=\[redacted\]&command=\[redacted\]&container=app&stderr=true&stdout=true$/);
    assert.equal(e.requestObject, undefined);
  }
  const a = evs[2]!.annotations!;
  assert.equal(a['exec.workbook.dev/exit-code'], '3');
  assert.equal(a['exec.workbook.dev/protocol'], 'v5.channel.k8s.io');
  assert.match(a['exec.workbook.dev/duration']!, /^\d+\.\d{3}s$/);
  assert.ok(Number(a['exec.workbook.dev/bytes-to-client']) > 'out\nerr\n'.length, 'framing and the status add to the output');
  assert.ok(Number(a['exec.workbook.dev/bytes-from-client']) > 0, 'a WebSocket client sends at least its close frame');
  // The default policy leaves out kubectl's GET of the pod; the pods it created are there, without RequestReceived.
  assert.equal(events().filter((e) => e.verb === 'get' && !e.objectRef?.subresource).length, 0);
  assert.deepEqual(events().filter((e) => e.verb === 'create' && e.objectRef?.resource === 'pods' && !e.objectRef.subresource).map((e) => [e.stage, e.responseStatus?.code]),
    [['ResponseComplete', 201], ['ResponseComplete', 201]]);
  assert.equal(statSync(logPath).mode & 0o777, 0o600);
});

test('exit code 0 is recorded as 0; a refusal by admission is recorded with its Status and no session record', async (t) => {
  const kubectl = await realKubectl(32);
  if (!kubectl) return t.skip('the real kubectl 1.32 is not on this machine');
  const { run, execEvents } = await start(t);
  assert.equal((await run(kubectl, ['exec', 'web', '--', 'true'])).code, 0);
  assert.equal((await execEvents('web')).at(-1)!.annotations!['exec.workbook.dev/exit-code'], '0');
  const refused = await run(kubectl, ['exec', 'priv', '--', 'true']);
  assert.equal(refused.code, 1);
  // kubectl tries the WebSocket GET, then falls back to the SPDY POST: two refused requests.
  const evs = await waitFor(async () => { const e = await execEvents('priv'); return e.filter((x) => x.stage === 'ResponseComplete').length === 2 && e; }, { timeoutMs: 30_000 });
  const complete = evs.filter((e) => e.stage === 'ResponseComplete');
  assert.deepEqual(complete.map((e) => e.verb), ['get', 'create']);
  for (const e of complete) {
    assert.deepEqual(e.responseStatus, { metadata: {}, status: 'Failure', message: 'pods "priv" is forbidden: cannot exec into or attach to a privileged container',
      reason: 'Forbidden', details: { name: 'priv', kind: 'pods' }, code: 403 });
    assert.equal(e.annotations, undefined);
  }
});

test('a policy at Request keeps the command whole and logs the PodExecOptions; omitStages drops stages', async (t) => {
  const kubectl = await realKubectl(32);
  if (!kubectl) return t.skip('the real kubectl 1.32 is not on this machine');
  const { run, execEvents } = await start(t, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Request\n  resources: [{group: "", resources: ["pods/exec"]}]\n  omitStages: [ResponseStarted]\n');
  assert.equal((await run(kubectl, ['exec', 'web', '--', 'sh', '-c', 'exit 7'])).code, 7);
  const evs = await execEvents('web');
  assert.deepEqual(evs.map((e) => e.stage), ['ResponseComplete']);
  const e = evs[0]!;
  assert.equal(e.level, 'Request');
  assert.match(e.requestURI, /\?command=sh&command=-c&command=exit\+7&/);
  assert.deepEqual(e.requestObject, { kind: 'PodExecOptions', apiVersion: 'v1', stdout: true, stderr: true, container: 'app', command: ['sh', '-c', 'exit 7'] });
  assert.equal(e.annotations!['exec.workbook.dev/exit-code'], '7');
});
