// Chapter 4's checkpoint, driven as a reader would: pods through CRI to a shim per node, status read back,
// ExecSync, metrics, a dead shim; and every earlier exec scenario still passing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execScenarios } from './exec-scenarios.ts';
import { useCheckpoint, podLifecycleTests, deadShimTests, runtimeDownTests } from './cri-common.ts';

// Cumulative: every exec scenario of chapters 2 and 3 against this checkpoint.
execScenarios('cri');

describe('chapter 4 (cri): the kubelet talks CRI to a shim', () => {
  const ctx = useCheckpoint('cri');
  podLifecycleTests(ctx);

  test('/metrics counts the runtime operations, and exec is still the kubelet\'s own', async (t) => {
    if (!ctx.kubectl) return t.skip('the real kubectl is not on PATH');
    await ctx.createPod('cri-metrics', { nodeName: 'node-1' });
    await ctx.phase('cri-metrics', 'Running');
    const e = await ctx.k('exec', 'cri-metrics', '--', 'true');
    assert.equal(e.code, 0, e.stderr);
    const res = await fetch(`${ctx.cp.announcements['kubelet-node-1']!.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^kubelet_runtime_operations_total\{operation_type="run_podsandbox"\} [1-9]\d*$/m);
    assert.match(text, /^kubelet_runtime_operations_total\{operation_type="start_container"\} [1-9]\d*$/m);
    assert.match(text, /^kubelet_runtime_operations_duration_seconds_bucket\{operation_type="list_containers",le="\+Inf"\} [1-9]\d*$/m);
    assert.doesNotMatch(text, /operation_type="exec"/, 'chapter 4 does not call CRI Exec');
  });

  test('CRI Exec without a streaming server: NotFound "streaming method exec disabled", as cri-dockerd answers', async () => {
    await ctx.createPod('cri-noexec');
    const pod = await ctx.phase('cri-noexec', 'Running');
    const { run } = await import('./cri-common.ts');
    const id = pod.status!.containerStatuses![0]!.containerID!.replace('workbook-shim://', '');
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cri/crictl.ts', '--runtime-endpoint', `unix://${ctx.cp.announcements[`shim-${pod.spec.nodeName}`]!.socket}`, 'exec', id, '--', 'date'], ctx.cp.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rpc error: code = NotFound desc = streaming method exec disabled/);
  });

  deadShimTests(ctx, 'ends-with-container');
  runtimeDownTests(ctx);
});
