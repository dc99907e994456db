// getPhase and the container statuses made from CRI data: pure, table-driven.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from '../../../src/api/types.ts';
import { criPodStatus, getPhase } from '../../../src/kubelet/cri-pod-status.ts';
import type { ContainerStatus as CriStatus } from '../../../src/cri/proto.ts';

const pod = (restartPolicy: Pod['spec']['restartPolicy']): Pod => ({ metadata: { name: 'p', uid: 'u' }, spec: { restartPolicy, containers: [{ name: 'c', image: 'busybox' }] } });
const running: ContainerStatus = { name: 'c', ready: true, restartCount: 0, image: '', imageID: '', state: { running: {} } };
const exited = (exitCode: number): ContainerStatus => ({ name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { terminated: { exitCode } } });
const waiting: ContainerStatus = { name: 'c', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } };
const backoff: ContainerStatus = { ...waiting, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } };

test('getPhase follows kubelet_pods.go', () => {
  const cases: [Pod['spec']['restartPolicy'], ContainerStatus[], string][] = [
    ['Always', [waiting], 'Pending'],
    ['Always', [running], 'Running'],
    ['Always', [running, waiting], 'Pending'],
    ['Always', [exited(0)], 'Running'],
    ['Always', [backoff], 'Running'],
    ['OnFailure', [exited(0)], 'Succeeded'],
    ['OnFailure', [exited(1)], 'Running'],
    ['Never', [exited(0)], 'Succeeded'],
    ['Never', [exited(0), exited(2)], 'Failed'],
    ['Never', [running, exited(2)], 'Running'],
  ];
  for (const [policy, statuses, want] of cases) assert.equal(getPhase(pod(policy), statuses), want, `${policy} ${JSON.stringify(statuses.map((s) => s.state))}`);
});

test('CRI statuses become v1 container statuses: reason, exit code, restart count, last state', () => {
  const cri = (attempt: number, state: CriStatus['state'], exit: number): CriStatus => ({
    id: `id${attempt}`, metadata: { name: 'c', attempt }, state, created_at: '1700000000000000000', started_at: '1700000001000000000',
    finished_at: state === 'CONTAINER_EXITED' ? '1700000002000000000' : '0', exit_code: exit, image: { image: 'docker.io/library/busybox:latest' }, image_ref: 'docker.io/library/busybox@sha256:ab',
    reason: '', message: '', labels: {}, annotations: {}, log_path: '', image_id: '',
  });
  const s = criPodStatus(pod('Never'), {
    hostIP: '127.0.0.1', podIP: '127.0.0.1', runtimeName: 'workbook-shim', waiting: {},
    sandbox: { id: 's', metadata: null, state: 'SANDBOX_READY', created_at: '1700000000000000000', labels: {}, annotations: {}, runtime_handler: '' },
    attempts: { c: [cri(1, 'CONTAINER_EXITED', 3), cri(0, 'CONTAINER_EXITED', 1)] },
  });
  assert.equal(s.phase, 'Failed');
  const c = s.containerStatuses![0]!;
  assert.equal(c.restartCount, 1);
  assert.deepEqual(c.state.terminated, { exitCode: 3, reason: 'Error', startedAt: '2023-11-14T22:13:21Z', finishedAt: '2023-11-14T22:13:22Z', containerID: 'workbook-shim://id1' });
  assert.equal(c.lastState?.terminated?.exitCode, 1);
  // The runtime's names, as they are: never a digest glued to a tag.
  assert.equal(c.image, 'docker.io/library/busybox:latest');
  assert.equal(c.imageID, 'docker.io/library/busybox@sha256:ab');
  assert.equal(s.startTime, '2023-11-14T22:13:20Z');
  assert.equal(s.conditions!.find((x) => x.type === 'Ready')?.reason, 'PodCompleted');
});
