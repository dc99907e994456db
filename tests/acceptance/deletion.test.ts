// Graceful pod deletion end to end, judged by the real kubectl: DELETE marks the pod (Terminating), the kubelet
// stops its containers (SIGTERM, SIGKILL when the grace period ends) and confirms with grace 0; an exec session
// into the stopped container ends within 2 s with a non-zero exit; --now and --force do what the real ones do.
// Runs against chapter 5's checkpoint (exec through the shim's streaming server) and chapter 3's (host runtime).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { StatusError } from '../../src/api/status.ts';
import type { Pod } from '../../src/api/types.ts';
import { RemoteRuntimeService } from '../../src/cri/remote-runtime.ts';
import { waitFor } from '../../src/util/wait.ts';
import { useCheckpoint, type CriContext, type Run } from './cri-common.ts';

// A container that ignores SIGTERM (and so do its children), so the grace period is visible.
const STUBBORN = { image: 'busybox', command: ['sh', '-c', "trap '' TERM; while :; do sleep 1; done"] };
const LOOP = ['sh', '-c', 'while :; do echo x; sleep 0.1; done'];

interface Session { lines(): number; done: Promise<Run & { at: number }> }

// `kubectl exec` of LOOP, its output counted as it flows.
function execLoop(ctx: CriContext, pod: string): Session {
  const child = spawn('kubectl', ['--kubeconfig', ctx.cp.kubeconfig, 'exec', pod, '--', ...LOOP], { env: ctx.cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let n = 0, stdout = '', stderr = '';
  child.stdout.on('data', (c: Buffer) => { n += c.toString().split('\n').length - 1; stdout += c; });
  child.stderr.on('data', (c: Buffer) => { stderr += c; });
  const done = new Promise<Run & { at: number }>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, at: Date.now() })));
  return { lines: () => n, done };
}

function kubectlAsync(ctx: CriContext, ...args: string[]): Promise<Run & { at: number }> {
  const child = spawn('kubectl', ['--kubeconfig', ctx.cp.kubeconfig, ...args], { env: ctx.cp.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, at: Date.now() })));
}

async function gone(ctx: CriContext, name: string): Promise<boolean> {
  try { await ctx.client.get<Pod>(`/api/v1/namespaces/default/pods/${name}`); return false; } catch (err) {
    if (err instanceof StatusError && err.code === 404) return true;
    throw err;
  }
}

// The session must be over within `ms` of now (it may have ended before): without the fix it never ends.
async function endsWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} still running ${ms} ms later`)), ms); });
  try { return await Promise.race([p, late]); } finally { clearTimeout(timer); }
}

function deletionTests(slug: string, opts: { stubbornContainer: boolean }): void {
  describe(`graceful deletion (${slug})`, () => {
    const ctx = useCheckpoint(slug);
    // Chapter 3 has no container processes: its pods stop at once. Chapters 4 on run STUBBORN for real.
    const createPod = (name: string, grace: number) =>
      ctx.createPod(name, { terminationGracePeriodSeconds: grace }, opts.stubbornContainer ? STUBBORN : {});

    test('kubectl delete pod while an exec runs: Terminating, the kubelet stops it, the exec ends non-zero within 2 s, the pod is gone', async (t) => {
      if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
      await createPod('del-web', 3);
      await ctx.phase('del-web', 'Running');
      const session = execLoop(ctx, 'del-web');
      await waitFor(() => session.lines() >= 3, { timeoutMs: 20_000, what: 'exec output' });

      const del = kubectlAsync(ctx, 'delete', 'pod', 'del-web');
      let deleteReturned = false;
      void del.then(() => { deleteReturned = true; });
      if (opts.stubbornContainer) {
        // The pod is marked, not removed: the real kubectl shows Terminating, and the exec still flows.
        await waitFor(async () => / Terminating /.test((await ctx.k('get', 'po', 'del-web')).stdout), { timeoutMs: 10_000, what: 'Terminating' });
        const marked = await ctx.client.get<Pod>('/api/v1/namespaces/default/pods/del-web');
        assert.equal(marked.metadata.deletionGracePeriodSeconds, 3);
        const during = session.lines();
        await waitFor(() => session.lines() >= during + 3, { timeoutMs: 10_000, what: 'exec output during the grace period' });
        assert.equal(deleteReturned, false, 'kubectl delete returned while the pod was still terminating');
      }
      const d = await del;
      assert.deepEqual([d.code, d.stdout, d.stderr], [0, 'pod "del-web" deleted\n', '']);
      assert.equal(await gone(ctx, 'del-web'), true, 'kubectl delete returned before the pod was gone');
      // The pod is gone only after the kubelet stopped its containers: from here the exec has at most 2 s.
      const e = await endsWithin(session.done, 2000, 'the exec session');
      assert.equal(e.code, 137, e.stderr);
      assert.equal(e.stderr, 'command terminated with exit code 137\n');
    });

    test('kubectl delete --now: grace period 1, then gone', async (t) => {
      if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
      await createPod('del-now', 30);
      await ctx.phase('del-now', 'Running');
      const del = kubectlAsync(ctx, 'delete', 'pod', 'del-now', '--now');
      if (opts.stubbornContainer) {
        const marked = await waitFor(async () => {
          const p = await ctx.client.get<Pod>('/api/v1/namespaces/default/pods/del-now');
          return p.metadata.deletionTimestamp ? p : undefined;
        }, { timeoutMs: 10_000, what: 'the pod marked for deletion' });
        assert.equal(marked.metadata.deletionGracePeriodSeconds, 1);
      }
      const d = await del;
      assert.deepEqual([d.code, d.stdout, d.stderr], [0, 'pod "del-now" deleted\n', '']);
      assert.equal(await gone(ctx, 'del-now'), true);
    });

    test('a second, shorter delete shortens the grace period the kubelet is already waiting out', async (t) => {
      if (!ctx.kubectl || !opts.stubbornContainer) return t.skip(ctx.kubectl ? 'no container processes to wait for here' : 'the real kubectl is not on PATH');
      await createPod('del-short', 600);
      await ctx.phase('del-short', 'Running');
      const first = await ctx.k('delete', 'pod', 'del-short', '--wait=false');
      assert.equal(first.code, 0, first.stderr);
      await waitFor(async () => / Terminating /.test((await ctx.k('get', 'po', 'del-short')).stdout), { timeoutMs: 10_000, what: 'Terminating' });
      // Ten minutes to go: the kubelet's StopContainer is waiting. A second delete asks for 2 s.
      const d = await kubectlAsync(ctx, 'delete', 'pod', 'del-short', '--grace-period=2', '--timeout=60s');
      assert.deepEqual([d.code, d.stdout, d.stderr], [0, 'pod "del-short" deleted\n', '']);
      assert.equal(await gone(ctx, 'del-short'), true);
    });

    test('kubectl delete --force --grace-period=0: the warning, "force deleted", gone at once; the node still stops the container', async (t) => {
      if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
      await createPod('del-force', 2);
      const running = await ctx.phase('del-force', 'Running');
      const d = await ctx.k('delete', 'pod', 'del-force', '--force', '--grace-period=0');
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout, 'pod "del-force" force deleted\n');
      assert.equal(d.stderr, 'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
      assert.equal(await gone(ctx, 'del-force'), true);
      const shim = ctx.cp.announcements[`shim-${running.spec.nodeName}`];
      if (!shim?.socket) return; // chapter 3: no runtime to ask
      // The kubelet saw the pod go and stops its container all the same, with the pod's own grace period.
      const rt = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'test' });
      try {
        await waitFor(async () => (await rt.listContainers({ label_selector: { 'io.kubernetes.pod.uid': running.metadata.uid! } })).length === 0,
          { timeoutMs: 15_000, what: 'the force-deleted pod\'s container removed by its kubelet' });
      } finally { rt.close(); }
    });
  });
}

// Chapter 2: no node, so the pod is deleted at once; the API server runs exec itself and ends its sessions then.
describe('deletion (exec-subresource): an exec into a pod that is deleted ends', () => {
  const ctx = useCheckpoint('exec-subresource');
  test('kubectl delete pod while an exec runs: the pod goes at once, and so does the exec, with exit code 137', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('del-local');
    const session = execLoop(ctx, 'del-local');
    await waitFor(() => session.lines() >= 3, { timeoutMs: 20_000, what: 'exec output' });
    const d = await ctx.k('delete', 'pod', 'del-local');
    assert.deepEqual([d.code, d.stdout, d.stderr], [0, 'pod "del-local" deleted\n', '']);
    const e = await endsWithin(session.done, 2000, 'the exec session');
    assert.equal(e.code, 137, e.stderr);
    assert.equal(e.stderr, 'command terminated with exit code 137\n');
  });
});

deletionTests('streaming', { stubbornContainer: true });
deletionTests('nodes', { stubbornContainer: false });
