// RemoteRuntimeService: a deadline on every call, errors that name the hop and keep their gRPC code,
// and what the kubelet makes of them at its HTTP boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { runtimeV1 } from '../../../src/cri/proto.ts';
import { CriError, RemoteImageService, RemoteRuntimeService, DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS } from '../../../src/cri/remote-runtime.ts';
import { GrpcCode, notFound } from '../../../src/cri/grpc-status.ts';
import { criErrorToStatus } from '../../../src/kubelet/cri-errors.ts';

test('a runtime that never answers: DEADLINE_EXCEEDED after the timeout, naming the hop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'remote-'));
  const socket = join(dir, 'slow.sock');
  const server = new grpc.Server();
  const pending: grpc.sendUnaryData<unknown>[] = [];
  server.addService(runtimeV1.RuntimeService.service, {
    Version: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => { pending.push(cb); }, // never answers
    ListContainers: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(notFound('nothing here')),
  });
  await new Promise<void>((res, rej) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  const rt = new RemoteRuntimeService(`unix://${socket}`, { hop: 'runtime shim node-9', timeoutMs: 200 });
  t.after(() => { rt.close(); server.forceShutdown(); rmSync(dir, { recursive: true, force: true }); });

  assert.equal(DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS, 120_000, 'the kubelet\'s --runtime-request-timeout default');
  const err = await rt.version().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof CriError);
  assert.equal(err.code, GrpcCode.DEADLINE_EXCEEDED);
  assert.match(err.message, /^runtime shim node-9: rpc error: code = DeadlineExceeded desc = /);
  assert.equal(criErrorToStatus(err).code, 500);

  const nf = await rt.listContainers().then(() => undefined, (e: unknown) => e);
  assert.ok(nf instanceof CriError);
  assert.equal(nf.message, 'runtime shim node-9: rpc error: code = NotFound desc = nothing here');
  assert.deepEqual([criErrorToStatus(nf).code, criErrorToStatus(nf).status.reason], [404, 'NotFound']);
});

test('no runtime on the socket: UNAVAILABLE, naming the hop', async (t) => {
  const rt = new RemoteRuntimeService(`unix://${join(tmpdir(), 'no-such-runtime.sock')}`, { hop: 'runtime shim node-9', timeoutMs: 2000 });
  t.after(() => rt.close());
  const err = await rt.version().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof CriError);
  assert.equal(err.code, GrpcCode.UNAVAILABLE);
  assert.match(err.message, /^runtime shim node-9: rpc error: code = Unavailable desc = /);
  const status = criErrorToStatus(err).status;
  assert.deepEqual([status.code, status.message], [500, err.message]);
});

// A fake runtime that records the deadline each call arrives with (Infinity: none) and answers as told.
async function recordingRuntime(t: { after: (fn: () => void) => void }, answers: Record<string, object>) {
  const dir = mkdtempSync(join(tmpdir(), 'remote-'));
  const socket = join(dir, 'rt.sock');
  const server = new grpc.Server();
  const deadlines: Record<string, number> = {};
  const handler = (method: string) => [method, (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    const d = call.getDeadline();
    deadlines[method] = d instanceof Date ? d.getTime() : d;
    cb(null, answers[method] ?? {});
  }] as const;
  server.addService(runtimeV1.RuntimeService.service, Object.fromEntries(['ExecSync', 'Exec', 'Attach', 'PortForward', 'Version'].map(handler)));
  server.addService(runtimeV1.ImageService.service, Object.fromEntries(['PullImage'].map(handler)));
  await new Promise<void>((res, rej) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  const opts = { hop: 'runtime shim node-9', timeoutMs: 60_000 };
  const rt = new RemoteRuntimeService(`unix://${socket}`, opts);
  const images = new RemoteImageService(`unix://${socket}`, opts);
  t.after(() => { rt.close(); images.close(); server.forceShutdown(); rmSync(dir, { recursive: true, force: true }); });
  return { rt, images, deadlines };
}

test('ExecSync with timeout 0 and PullImage carry no deadline; other calls carry the default (or timeout + default)', async (t) => {
  const { rt, images, deadlines } = await recordingRuntime(t, { PullImage: { image_ref: 'sha256:abc' }, Exec: { url: 'http://127.0.0.1:1/exec/x' } });
  const before = Date.now();
  await rt.execSync('c1', ['true'], 0);
  assert.equal(deadlines.ExecSync, Infinity, 'timeout 0: no deadline at all');
  await rt.execSync('c1', ['true'], 5);
  assert.ok(deadlines.ExecSync! >= before + 65_000 - 1000 && deadlines.ExecSync! <= Date.now() + 65_000 + 1000, 'timeout 5 s: the default (60 s here) + 5 s');
  assert.equal(await images.pullImage('nginx'), 'sha256:abc');
  assert.equal(deadlines.PullImage, Infinity, 'a pull has no deadline');
  await rt.exec({ container_id: 'c1', cmd: ['date'], tty: false, stdin: false, stdout: true, stderr: true });
  assert.ok(Number.isFinite(deadlines.Exec!) && deadlines.Exec! <= Date.now() + 60_000 + 1000, 'Exec keeps the default deadline');
});

test('a streaming call answered without a URL fails with "URL is not set" (a plain error: Unknown, a 500 at the kubelet)', async (t) => {
  const { rt, images } = await recordingRuntime(t, { Exec: { url: '' }, Attach: { url: '' }, PortForward: { url: '' }, PullImage: { image_ref: '' } });
  const err = await rt.exec({ container_id: 'c1', cmd: ['date'], tty: false, stdin: false, stdout: true, stderr: true }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof CriError);
  assert.equal(err.message, 'runtime shim node-9: URL is not set');
  assert.equal(err.code, GrpcCode.UNKNOWN);
  assert.equal(criErrorToStatus(err).code, 500);
  for (const call of [rt.attach({ container_id: 'c1', stdin: false, tty: false, stdout: true, stderr: false }), rt.portForward({ pod_sandbox_id: 's1', port: [80] })]) {
    await assert.rejects(call, { message: 'runtime shim node-9: URL is not set' });
  }
  await assert.rejects(images.pullImage('nginx'), { message: 'runtime shim node-9: imageRef of image "nginx" is not set' });
});
