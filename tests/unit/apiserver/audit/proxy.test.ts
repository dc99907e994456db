// Audit through the upgrade-aware proxy (chapter 3 on): the API server relays the kubelet's frames byte for byte,
// and the tap on the client's socket reads the exit code from them. The "kubelet" here is serveExec on a port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { KubeletExecBackend } from '../../../../src/apiserver/exec/kubelet.ts';
import { serveExec } from '../../../../src/remotecommand/serve-exec.ts';
import { LocalExecutor } from '../../../../src/exec/local.ts';
import { Auditor } from '../../../../src/apiserver/audit/auditor.ts';
import { LogBackend } from '../../../../src/apiserver/audit/log-backend.ts';
import { defaultAuditPolicy } from '../../../../src/apiserver/audit/default-policy.ts';
import type { Event } from '../../../../src/apiserver/audit/event.ts';
import type { Node } from '../../../../src/api/types.ts';
import { waitFor } from '../../../../src/util/wait.ts';

function kubectlBin(minor: number): string | undefined {
  try {
    const p = join(dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim())), `kubectl.1.${minor}`);
    return existsSync(p) ? p : undefined;
  } catch { return undefined; }
}

test('kubectl 1.32 → API server (proxy) → kubelet: the record has the exit code the kubelet sent', async (t) => {
  const kubectl = kubectlBin(32);
  if (!kubectl) return t.skip('kubectl.1.32 is not on this machine');
  const dir = mkdtempSync(join(tmpdir(), 'audit-proxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const kubelet = createServer((_req, res) => { res.statusCode = 404; res.end(); });
  kubelet.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const flag = (k: string) => q.get(k) === '1';
    void serveExec(req, socket, head, { executor, target: { container: dir, cmd: q.getAll('command') },
      options: { stdin: flag('input'), stdout: flag('output'), stderr: flag('error'), tty: flag('tty') } });
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  t.after(() => { kubelet.closeAllConnections(); kubelet.close(); });
  const kubeletPort = (kubelet.address() as AddressInfo).port;
  const logPath = join(dir, 'audit.log');
  const auditor = new Auditor({ policy: defaultAuditPolicy, backend: new LogBackend(logPath) });
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } } as Node;
  const server = new APIServer({ name: 'apiserver', stateDir: dir, log: () => {}, extensions: [auditor.extension()],
    subresources: { 'pods/exec': execSubresource(() => new KubeletExecBackend({ getNode: async () => node, preferredAddressTypes: ['InternalIP'] })) } });
  const url = await server.listen(0);
  t.after(async () => { await server.close(); await auditor.close(); });
  await server.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx' }] } });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: '${url}'}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n`);
  const run = await new Promise<{ code: number; stdout: string }>((resolve) => execFile(kubectl, ['--kubeconfig', kubeconfig, 'exec', '-i', 'web', '--', 'sh', '-c', 'cat; exit 5'],
    { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache') }, timeout: 120_000 },
    (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout })).stdin!.end('through the proxy\n'));
  assert.deepEqual(run, { code: 5, stdout: 'through the proxy\n' });
  const [e] = await waitFor(() => {
    const evs = (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event)
      .filter((x) => x.stage === 'ResponseComplete' && x.objectRef?.subresource === 'exec');
    return evs.length === 1 && evs;
  }, { timeoutMs: 30_000, what: 'the exec\'s ResponseComplete' });
  assert.equal(e!.annotations!['exec.workbook.dev/exit-code'], '5');
  assert.equal(e!.annotations!['exec.workbook.dev/protocol'], 'v5.channel.k8s.io');
  // stdin went up (its bytes plus framing and the CLOSE), stdout came back.
  assert.ok(Number(e!.annotations!['exec.workbook.dev/bytes-from-client']) > 'through the proxy\n'.length);
  assert.ok(Number(e!.annotations!['exec.workbook.dev/bytes-to-client']) > 'through the proxy\n'.length);
});
