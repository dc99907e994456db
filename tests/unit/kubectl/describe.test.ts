// Our kubectl describe against the real kubectl, on the same fixed objects served by a static API server: the pod and
// node layouts must match line for line (the real kubectl is the judge; without it the layout checks still run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease, Node, Pod } from '../../../src/api/types.ts';
import { kubectl } from './fake-apiserver.ts';

const haveKubectl = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'kubectl')));
const noKubectl = haveKubectl ? false : 'the real kubectl is not on PATH (CI has it): skipping the comparison';

const created = '2020-03-01T10:00:00Z';
const node: Node = {
  apiVersion: 'v1', kind: 'Node',
  metadata: { name: 'node-1', uid: 'n-uid', creationTimestamp: created, labels: { 'kubernetes.io/hostname': 'node-1', 'kubernetes.io/os': 'linux' }, annotations: { 'workbook.example/host': 'vm' } },
  spec: {},
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2020-03-01T10:05:00Z', lastTransitionTime: created, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
      { type: 'Ready', status: 'False', lastHeartbeatTime: '2020-03-01T10:05:00Z', lastTransitionTime: '2020-03-01T10:04:00Z', reason: 'KubeletNotReady', message: 'container runtime is down' },
    ],
    addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-1' }],
    capacity: { cpu: '2', memory: '4016Mi', pods: '110', 'ephemeral-storage': '10Gi' },
    allocatable: { cpu: '2', memory: '4016Mi', pods: '110', 'ephemeral-storage': '10Gi' },
    nodeInfo: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '6.1.0', osImage: 'Linux (workbook)', operatingSystem: 'linux', architecture: 'amd64',
      containerRuntimeVersion: 'workbook-shim://1.0.0', kubeletVersion: 'v1.32.0', kubeProxyVersion: '' },
  },
};
const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: created },
  spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2020-03-01T10:05:10.123456Z' } };
const pod: Pod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'p-uid', creationTimestamp: created, labels: { run: 'web', tier: 'front' }, annotations: { note: 'hello' } },
  spec: {
    nodeName: 'node-1', priority: 0, serviceAccountName: 'default',
    containers: [
      { name: 'web', image: 'busybox', command: ['sh', '-c'], args: ['sleep 3600'], ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: { requests: { cpu: '250m', memory: '64Mi' } },
        env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }, { name: 'GREETING', value: 'hi' }] },
      { name: 'side', image: 'nosuch' },
    ],
  },
  status: {
    phase: 'Running', hostIP: '127.0.0.1', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }], startTime: created, qosClass: 'Burstable',
    conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }],
    containerStatuses: [
      { name: 'web', ready: true, restartCount: 1, image: 'docker.io/library/busybox:latest', imageID: 'docker.io/library/busybox@sha256:ab',
        containerID: 'workbook-shim://c1', started: true, state: { running: { startedAt: '2020-03-01T10:01:00Z' } },
        lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt: created, finishedAt: '2020-03-01T10:00:59Z' } } },
      { name: 'side', ready: false, restartCount: 0, image: 'nosuch', imageID: '', state: { waiting: { reason: 'ErrImagePull', message: 'pull access denied' } } },
    ],
  },
};

// A static API server: discovery, the pod, the node, its lease, the pods on it and (empty) events.
let url = '';
let kubeconfig = '';
let stopServer: () => Promise<void> = async () => {};
before(async () => {
  const send = (res: http.ServerResponse, code: number, obj: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    switch (u.pathname) {
      case '/version': return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
      case '/api': return send(res, 200, { kind: 'APIVersions', versions: ['v1'] });
      case '/apis': return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case '/api/v1': return send(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
        { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list'], shortNames: ['no'] },
        { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['get', 'list'], shortNames: ['ev'] },
      ] });
      case '/api/v1/namespaces/default/pods/web': return send(res, 200, pod);
      case '/api/v1/nodes/node-1': return send(res, 200, node);
      case '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1': return send(res, 200, lease);
      case '/api/v1/pods': return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [pod] });
      case '/api/v1/events': case '/api/v1/namespaces/default/events': return send(res, 200, { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: [] });
    }
    send(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'describe-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n`);
  stopServer = () => new Promise<void>((r) => { rmSync(dir, { recursive: true, force: true }); server.closeAllConnections(); server.close(() => r()); });
  process.env.TZ = 'UTC';
});
after(() => stopServer());

function real(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const cache = mkdtempSync(join(tmpdir(), 'kubecache-'));
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, TZ: 'UTC', KUBECACHEDIR: cache }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.on('error', reject);
    child.on('close', (code) => { rmSync(cache, { recursive: true, force: true }); resolve({ code, stdout }); });
  });
}

test('describe pod: the sections a reader meets, in kubectl\'s layout', async () => {
  const ours = await kubectl(kubeconfig, ['describe', 'po', 'web']);
  assert.equal(ours.code, 0, ours.stderr);
  assert.match(ours.stdout, /^Name: +web\nNamespace: +default\n/);
  assert.match(ours.stdout, /\n {4}Image ID: +docker\.io\/library\/busybox@sha256:ab\n/);
  assert.match(ours.stdout, /\n {6}NODE_NAME: +\(v1:spec\.nodeName\)\n {6}POD_NAME: +web \(v1:metadata\.name\)\n/);
  assert.match(ours.stdout, /\n {4}Last State: +Terminated\n {6}Reason: +Error\n {6}Exit Code: +137\n/);
  assert.match(ours.stdout, /\nEvents: +<none>\n$/);
});

test('describe pod matches the real kubectl', { skip: noKubectl }, async () => {
  const [ours, theirs] = [await kubectl(kubeconfig, ['describe', 'pod/web']), await real(['describe', 'pod/web'])];
  assert.equal(theirs.code, 0);
  assert.equal(ours.stdout, theirs.stdout);
});

test('describe node matches the real kubectl: lease, conditions, capacity, the node\'s pods and their requests', { skip: noKubectl }, async () => {
  const [ours, theirs] = [await kubectl(kubeconfig, ['describe', 'node', 'node-1']), await real(['describe', 'node', 'node-1'])];
  assert.equal(theirs.code, 0);
  assert.equal(ours.stdout, theirs.stdout);
  assert.match(ours.stdout, /\nLease:\n {2}HolderIdentity: +node-1\n {2}AcquireTime: +<unset>\n {2}RenewTime: +Sun, 01 Mar 2020 10:05:10 \+0000\n/);
  assert.match(ours.stdout, /\n {2}cpu +250m \(12%\) +0 \(0%\)\n {2}memory +64Mi \(1%\) +0 \(0%\)\n/);
});

test('describe of a missing object is the server\'s NotFound, exit 1', async () => {
  const r = await kubectl(kubeconfig, ['describe', 'node', 'node-9']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error from server \(NotFound\): /);
});
