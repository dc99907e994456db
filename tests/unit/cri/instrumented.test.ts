// instrumentedRuntimeService: counts, errors and latency per operation, rendered in the Prometheus text format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeMetrics, exponentialBuckets } from '../../../src/cri/metrics.ts';
import { instrumentedRuntimeService, type RuntimeService } from '../../../src/cri/instrumented.ts';

test('every call is counted, failed calls also as errors, and each is timed', async () => {
  let clock = 0;
  const metrics = new RuntimeMetrics(() => clock);
  let fail = false;
  const inner = {
    exec: async () => { clock += fail ? 20 : 3; if (fail) throw new Error('runtime shim node-1: rpc error: code = NotFound desc = no'); return 'http://127.0.0.1:1/exec/t'; },
    version: async () => ({ version: '0.1.0', runtime_name: 'x', runtime_version: '1', runtime_api_version: 'v1' }),
  } as unknown as RuntimeService;
  const rt = instrumentedRuntimeService(inner, metrics);
  assert.equal(await rt.exec({ container_id: 'c', cmd: ['date'], tty: false, stdin: false, stdout: true, stderr: false }), 'http://127.0.0.1:1/exec/t');
  fail = true;
  await assert.rejects(rt.exec({ container_id: 'c', cmd: ['date'], tty: false, stdin: false, stdout: true, stderr: false }), /NotFound/);
  await rt.version();
  assert.equal(metrics.operations.get('exec'), 2);
  assert.equal(metrics.errors.get('exec'), 1);
  assert.equal(metrics.operations.get('version'), 1);
  assert.equal(metrics.errors.get('version'), 0);
  assert.equal(metrics.duration.count('exec'), 2);

  const text = metrics.render();
  assert.match(text, /^# HELP kubelet_runtime_operations_total /m);
  assert.match(text, /^# TYPE kubelet_runtime_operations_total counter$/m);
  assert.match(text, /^kubelet_runtime_operations_total\{operation_type="exec"\} 2$/m);
  assert.match(text, /^kubelet_runtime_operations_errors_total\{operation_type="exec"\} 1$/m);
  assert.match(text, /^# TYPE kubelet_runtime_operations_duration_seconds histogram$/m);
  assert.match(text, /^kubelet_runtime_operations_duration_seconds_bucket\{operation_type="exec",le="0.005"\} 1$/m, 'the first call took 3 ms');
  assert.match(text, /^kubelet_runtime_operations_duration_seconds_bucket\{operation_type="exec",le="0.03125"\} 2$/m, 'the second 20 ms');
  assert.match(text, /^kubelet_runtime_operations_duration_seconds_bucket\{operation_type="exec",le="\+Inf"\} 2$/m);
  assert.match(text, /^kubelet_runtime_operations_duration_seconds_count\{operation_type="exec"\} 2$/m);
  assert.match(text, /^kubelet_runtime_operations_duration_seconds_sum\{operation_type="exec"\} 0.023$/m);
  assert.ok(text.endsWith('\n'));
});

test('buckets are the kubelet\'s: 14 exponential steps from 5 ms by 2.5', () => {
  const b = exponentialBuckets(0.005, 2.5, 14);
  assert.equal(b.length, 14);
  assert.equal(b[0], 0.005);
  assert.equal(b[1], 0.0125);
  assert.ok(Math.abs(b[13]! - 0.005 * 2.5 ** 13) < 1e-9);
  const m = new RuntimeMetrics();
  m.duration.observe('exec', 1);
  const text = m.render();
  assert.match(text, /le="0.48828125"\} 0/);
  assert.match(text, /le="1.220703125"\} 1/);
});
