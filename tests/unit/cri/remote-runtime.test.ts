// RemoteRuntimeService: a deadline on every call, errors that name the hop and keep their gRPC code,
// and what the kubelet makes of them at its HTTP boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { runtimeV1 } from '../../../src/cri/proto.ts';
import { CriError, RemoteRuntimeService, DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS } from '../../../src/cri/remote-runtime.ts';
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
