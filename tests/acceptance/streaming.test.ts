// Chapter 5's checkpoint: the seed's whole chain. CRI Exec returns a token URL on the shim's streaming server,
// the kubelet proxies the upgrade to it; tokens work once; metrics count exec; a dead shim and its recovery.
import { describe, before, after, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { execScenarios } from './exec-scenarios.ts';
import { useCheckpoint, podLifecycleTests, deadShimTests, runtimeDownTests, run, hasKubectl } from './cri-common.ts';
import { startComponent, stopProcessTree, type ComponentProcess } from '../../src/workbook/supervisor.ts';
import { repoRoot } from '../../src/workbook/checkpoint.ts';
import { writeKubeconfig } from '../../src/workbook/kubeconfig.ts';
import type { ComponentSpec } from '../../src/workbook/types.ts';
import type { Announcement } from '../../src/util/announce.ts';
import { RESTClient } from '../../src/client/rest-client.ts';
import { waitFor } from '../../src/util/wait.ts';
import { RemoteRuntimeService } from '../../src/cri/remote-runtime.ts';
import type { Pod } from '../../src/api/types.ts';

// Cumulative: every exec scenario of chapters 2 and 3 against this checkpoint.
execScenarios('streaming');

describe('chapter 5 (streaming): exec through the shim\'s streaming server', () => {
  const ctx = useCheckpoint('streaming');
  podLifecycleTests(ctx);

  test('kubectl -v=7 exec shows the two requests and the 101', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('st-verbose');
    await ctx.phase('st-verbose', 'Running');
    const r = await ctx.k('-v=7', 'exec', 'st-verbose', '--', 'echo', 'hi');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    const requests = r.stderr.split('\n').filter((l) => /round_trippers.go:\d+\] (GET|POST) /.test(l));
    assert.deepEqual(requests.map((l) => l.replace(/^.*\] /, '').replace(/127\.0\.0\.1:\d+/, 'HOST')), [
      'GET http://HOST/api/v1/namespaces/default/pods/st-verbose',
      'GET http://HOST/api/v1/namespaces/default/pods/st-verbose/exec?command=echo&command=hi&container=st-verbose&stderr=true&stdout=true',
    ]);
    assert.match(r.stderr, /Response Status: 101 Switching Protocols/);
  });

  test('every kubectl exec is one CRI Exec call, counted at the kubelet\'s /metrics', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('st-metrics', { nodeName: 'node-1' });
    await ctx.phase('st-metrics', 'Running');
    const count = async () => {
      const text = await (await fetch(`${ctx.cp.announcements['kubelet-node-1']!.url}/metrics`)).text();
      return Number(/^kubelet_runtime_operations_total\{operation_type="exec"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    for (let i = 0; i < 3; i++) assert.equal((await ctx.k('exec', 'st-metrics', '--', 'true')).code, 0);
    assert.equal(await count(), before + 3);
    // A missing container fails before CRI Exec: no exec operation, and the kubelet's words.
    const r = await ctx.k('exec', 'st-metrics', '-c', 'nope', '--', 'true');
    assert.notEqual(r.code, 0);
    assert.equal(await count(), before + 3);
  });

  test('the streaming URL: loopback, a 128-bit token, single use; guessed and used tokens are 404', async () => {
    await ctx.createPod('st-url', { nodeName: 'node-1' });
    const pod = await ctx.phase('st-url', 'Running');
    const shim = ctx.cp.announcements['shim-node-1']!;
    assert.match(String(shim.streamingURL), /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const id = pod.status!.containerStatuses![0]!.containerID!.replace('workbook-shim://', '');
    const rt = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'test' });
    try {
      const url = await rt.exec({ container_id: id, cmd: ['date'], tty: false, stdin: false, stdout: true, stderr: true });
      assert.match(url, new RegExp(`^${shim.streamingURL}exec/[A-Za-z0-9_-]{22}$`));
      assert.equal((await fetch(`${shim.streamingURL}exec/AAAAAAAAAAAAAAAAAAAAAA`)).status, 404);
      assert.equal((await fetch(url)).status, 400, 'not an upgrade, but it spends the token');
      assert.equal((await fetch(url)).status, 404);
      // Our crictl does what the kubelet does: Exec, then the URL.
      const r = await run(process.execPath, ['--import', 'tsx', 'src/cri/crictl.ts', '-r', `unix://${shim.socket}`, 'exec', '--show-url', id, '--', 'sh', '-c', 'echo streamed; exit 4'], ctx.cp.env);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stdout, /^URL: http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{22}\nstreamed\n$/);
    } finally {
      rt.close();
    }
  });

  deadShimTests(ctx, 'breaks');
  runtimeDownTests(ctx);

  // Last: it fills node-2's request cache, which stays full for the tokens' minute.
  test('a full request cache: the kubelet answers 429 with Retry-After, and kubectl says why', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('st-full', { nodeName: 'node-2' });
    const pod: Pod = await ctx.phase('st-full', 'Running');
    const id = pod.status!.containerStatuses![0]!.containerID!.replace('workbook-shim://', '');
    const rt = new RemoteRuntimeService(`unix://${ctx.cp.announcements['shim-node-2']!.socket}`, { hop: 'test' });
    try {
      for (;;) {
        const full = await rt.exec({ container_id: id, cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: false }).then(() => false, () => true);
        if (full) break;
      }
    } finally {
      rt.close();
    }
    const r = await ctx.k('exec', 'st-full', '--', 'true');
    assert.notEqual(r.code, 0);
    // The kubelet's 429 in plain text, relayed by the API server: the real kubectl's words for it.
    assert.equal(r.stderr, 'error: unable to upgrade connection: runtime shim node-2: rpc error: code = ResourceExhausted desc = maximum number of in-flight requests exceeded\n');
    // The kubelet's own answer, without the API server in between.
    const kubelet = ctx.cp.announcements['kubelet-node-2']!.url!;
    const res = await new Promise<{ status: number; retryAfter?: string; contentType?: string; body: string }>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(`${kubelet}/exec/default/st-full/st-full?command=true&output=1`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' } });
        req.on('response', (resp) => {
          let body = '';
          resp.on('data', (c: Buffer) => { body += c; });
          resp.on('end', () => resolve({ status: resp.statusCode ?? 0, retryAfter: resp.headers['retry-after'] as string | undefined, contentType: resp.headers['content-type'], body }));
        });
        req.on('upgrade', () => reject(new Error('unexpected upgrade')));
        req.on('error', reject);
        req.end();
      }, reject);
    });
    assert.equal(res.status, 429);
    assert.equal(res.retryAfter, '60');
    // streaming.WriteError: the error's text, not a Status.
    assert.equal(res.contentType, 'text/plain; charset=utf-8');
    assert.match(res.body, /^runtime shim node-2: rpc error: code = ResourceExhausted desc = maximum number of in-flight requests exceeded$/);
  });
});

// The historical mode, composed by hand: a kubelet with --redirect-container-streaming=true answers 302 to the
// streaming URL, and an API server with --streaming-proxy-redirects=true follows it to the same host only.
describe('chapter 5: the redirect mode Kubernetes dropped', () => {
  const procs: ComponentProcess[] = [];
  let dir = '';
  let kubeconfig = '';
  let env: NodeJS.ProcessEnv = {};
  let client: RESTClient;
  const announced: Record<string, Announcement> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ike-redirect-'));
    const start = async (spec: ComponentSpec, args: string[]) => {
      const p = await startComponent(spec, { repoRoot, stateDir: dir, args, log: () => {} });
      procs.push(p);
      announced[spec.name] = p.announcement;
      return p.announcement;
    };
    const api = await start({ name: 'apiserver', entry: 'src/checkpoints/streaming/apiserver.ts', probe: 'http' }, ['--port=0', '--streaming-proxy-redirects=true']);
    kubeconfig = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, api.url!);
    env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'kube-cache') };
    client = new RESTClient({ server: api.url! });
    const shim = await start({ name: 'shim-node-1', entry: 'src/checkpoints/streaming/shim.ts', probe: 'socket' }, []);
    await start({ name: 'kubelet-node-1', entry: 'src/checkpoints/streaming/kubelet.ts', probe: 'http' },
      ['--node-name=node-1', `--apiserver=${api.url}`, '--port=0', '--heartbeat-interval=1s', `--container-runtime-endpoint=unix://${shim.socket}`, '--redirect-container-streaming=true']);
  });
  after(async () => {
    for (const p of procs.reverse()) await stopProcessTree(p.child, p.exited);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the kubelet answers 302 to the streaming URL; the API server follows it, to the same host only', async (t) => {
    await client.post('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx' }] } });
    await waitFor(async () => (await client.get<Pod>('/api/v1/namespaces/default/pods/web')).status?.phase === 'Running', { timeoutMs: 30_000, what: 'pod web Running' });
    // The kubelet's own answer to an upgrade.
    const res = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = httpRequest(`${announced['kubelet-node-1']!.url}/exec/default/web/web?command=date&output=1`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' } });
      req.on('response', (r) => { r.resume(); resolve({ status: r.statusCode ?? 0, location: r.headers.location }); });
      req.on('upgrade', () => reject(new Error('the kubelet upgraded instead of redirecting')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 302);
    assert.match(res.location ?? '', new RegExp(`^${announced['shim-node-1']!.streamingURL}exec/[A-Za-z0-9_-]{22}$`));
    if (!(await hasKubectl())) return t.skip('the real kubectl is not on PATH');
    const r = await run('kubectl', ['--kubeconfig', kubeconfig, 'exec', '-i', 'web', '--', 'sh', '-c', 'cat; exit 3'], env, 'through a redirect\n');
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'through a redirect\n', 'command terminated with exit code 3\n']);
  });
});
