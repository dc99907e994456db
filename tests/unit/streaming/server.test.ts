// The streaming server behind a real shim: CRI Exec returns a token URL; the URL works once; guessed,
// used and expired tokens are 404; validation as the real GetExec does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startShim } from '../../../src/shim/shim.ts';
import { startStreamingRuntime } from '../../../src/shim/streaming-runtime.ts';
import { StreamingServer } from '../../../src/streaming/server.ts';
import { waitFor } from '../../../src/util/wait.ts';
import { CriError, RemoteRuntimeService } from '../../../src/cri/remote-runtime.ts';
import { GrpcCode } from '../../../src/cri/grpc-status.ts';
import { criErrorToStatus, RETRY_AFTER_SECONDS } from '../../../src/kubelet/cri-errors.ts';
import type { ExecRequest } from '../../../src/cri/proto.ts';

function get(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

// One v5 WebSocket session: collects stdout (channel 1), stderr (2) and the Status (3).
function wsExec(url: string): Promise<{ stdout: string; stderr: string; status: { status: string; reason?: string; details?: { causes?: { message?: string }[] } } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v5.channel.k8s.io']);
    let stdout = '', stderr = '', status = '';
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const ch = data[0], payload = data.subarray(1).toString();
      if (ch === 1) stdout += payload; else if (ch === 2) stderr += payload; else if (ch === 3) status += payload;
    });
    ws.on('close', () => { try { resolve({ stdout, stderr, status: JSON.parse(status) }); } catch (err) { reject(err); } });
    ws.on('error', reject);
  });
}

const sandboxConfig = { metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 0 }, labels: {} };

async function setup(t: { after(fn: () => unknown): void }, flags: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'streaming-'));
  const lines: string[] = [];
  const shim = await startShim({ name: 'shim-node-1', stateDir: dir, streaming: startStreamingRuntime, log: (l) => lines.push(l), flags });
  const rt = new RemoteRuntimeService(`unix://${shim.socket}`, { hop: 'runtime shim node-1', timeoutMs: 10_000 });
  t.after(async () => { rt.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); });
  const sb = await rt.runPodSandbox(sandboxConfig);
  const id = await rt.createContainer(sb, { metadata: { name: 'web', attempt: 0 }, image: { image: 'nginx' }, envs: [{ key: 'GREETING', value: 'hi' }] }, sandboxConfig);
  await rt.startContainer(id);
  return { shim, rt, id, sb, lines };
}

const execReq = (id: string, cmd: string[], more: Partial<ExecRequest> = {}): ExecRequest =>
  ({ container_id: id, cmd, tty: false, stdin: false, stdout: true, stderr: true, ...more });

test('Exec returns a loopback URL with a 128-bit token; the URL serves the exec once', async (t) => {
  const { rt, id, lines } = await setup(t);
  const url = await rt.exec(execReq(id, ['sh', '-c', 'echo "$GREETING out"; echo err >&2; exit 7']));
  const m = /^http:\/\/127\.0\.0\.1:(\d+)\/exec\/([A-Za-z0-9_-]{22})$/.exec(url);
  assert.ok(m, url);
  const result = await wsExec(url.replace(/^http/, 'ws'));
  assert.equal(result.stdout, 'hi out\n');
  assert.equal(result.stderr, 'err\n');
  assert.equal(result.status.status, 'Failure');
  assert.equal(result.status.reason, 'NonZeroExitCode');
  assert.equal(result.status.details?.causes?.[0]?.message, '7');
  // Used: a second try is a 404, for GET and POST alike.
  assert.equal((await get(url)).status, 404);
  assert.equal((await get(url, 'POST')).status, 404);
  // Never a whole token in the logs.
  const token = m[2]!;
  assert.ok(lines.some((l) => l.includes(token.slice(0, 4))), 'a prefix is logged');
  assert.ok(!lines.some((l) => l.includes(token)), 'the whole token never is');
});

test('guessed tokens, unknown routes and other methods are 404; a plain request uses the token up', async (t) => {
  const { rt, id, lines } = await setup(t);
  const url = new URL(await rt.exec(execReq(id, ['date'])));
  const token = url.pathname.split('/').pop()!;
  const base = `http://${url.host}`;
  assert.deepEqual(await get(`${base}/exec/AAAAAAAAAAAAAAAAAAAAAA`), { status: 404, body: '404 page not found\n' });
  assert.equal((await get(`${base}/attach/AAAAAAAAAAAAAAAAAAAAAA`)).status, 404);
  assert.equal((await get(`${base}/portforward/AAAAAAAAAAAAAAAAAAAAAA`)).status, 404);
  assert.equal((await get(`${base}/exec/../etc/passwd`)).status, 404);
  assert.equal((await get(url.toString(), 'PUT')).status, 404, 'only GET and POST');
  assert.equal((await get(url.toString().replace('/exec/', '/attach/'))).status, 404, 'a token of another kind');
  // That wrong-kind attempt used the token: it is gone for exec too.
  assert.equal((await get(url.toString())).status, 404);
  const fresh = await rt.exec(execReq(id, ['date']));
  assert.equal((await get(fresh)).status, 400, 'not an upgrade');
  assert.equal((await get(fresh)).status, 404, 'and the token is spent');
  assert.ok(!lines.some((l) => l.includes(token)), 'no log line holds a whole token, whatever the request');
});

test('Exec: NOT_FOUND for an unknown container, Unknown for a stopped one (cri-dockerd), then the streaming server\'s INVALID_ARGUMENT checks', async (t) => {
  const { rt, id } = await setup(t);
  const code = async (req: ExecRequest) => { try { await rt.exec(req); return 'OK'; } catch (err) { return GrpcCode[(err as CriError).code] + ': ' + (err as CriError).details; } };
  assert.equal(await code(execReq('', ['date'])), 'INVALID_ARGUMENT: container id is required');
  assert.equal(await code(execReq(id, ['date'], { tty: true, stderr: true })), 'INVALID_ARGUMENT: tty and stderr cannot both be true');
  assert.equal(await code(execReq(id, ['date'], { stdout: false, stderr: false })), 'INVALID_ARGUMENT: one of stdin, stdout, or stderr must be set');
  assert.equal(await code(execReq('0123456789', ['date'])), 'NOT_FOUND: container "0123456789" not found');
  const attach = await rt.attach({ container_id: id, stdin: false, tty: false, stdout: true, stderr: false }).then(() => 'OK', (e: CriError) => `${GrpcCode[e.code]}: ${e.details}`);
  assert.match(attach, /^UNIMPLEMENTED: .*chapter 10/);
  await rt.stopContainer(id, 0);
  // A plain error at the shim (libdocker.CheckContainerStatus), so grpc-go sends it as Unknown.
  assert.equal(await code(execReq(id, ['date'])), `UNKNOWN: container not running (${id})`);
});

test('a full request cache is RESOURCE_EXHAUSTED at the shim and 429 with Retry-After at the kubelet', async (t) => {
  const { rt, id, shim } = await setup(t);
  const server = shim.streaming as unknown as { cache: { size: number } };
  for (let i = server.cache.size; i < 1000; i++) await rt.exec(execReq(id, ['date']));
  const err = await rt.exec(execReq(id, ['date'])).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof CriError);
  assert.equal(err.code, GrpcCode.RESOURCE_EXHAUSTED);
  assert.equal(err.message, 'runtime shim node-1: rpc error: code = ResourceExhausted desc = maximum number of in-flight requests exceeded');
  const status = criErrorToStatus(err).status;
  assert.equal(status.code, 429);
  assert.equal(status.reason, 'TooManyRequests');
  assert.equal(status.details?.retryAfterSeconds, RETRY_AFTER_SECONDS);
  assert.equal(RETRY_AFTER_SECONDS, 60);
});

test('the streaming server\'s Config: StreamIdleTimeout 4 h and StreamCreationTimeout 30 s by default', async (t) => {
  const { shim } = await setup(t);
  assert.deepEqual((shim.streaming as StreamingServer).config, { streamIdleTimeoutMs: 4 * 3_600_000, streamCreationTimeoutMs: 30_000 });
});

// The flag with a small value injected: a session that says nothing for that long is cut off, its command killed.
test('--streaming-connection-idle-timeout: a silent exec session through a token URL ends, and so does its command', async (t) => {
  const { shim, rt, id, lines } = await setup(t, { 'streaming-connection-idle-timeout': '300ms' });
  assert.equal((shim.streaming as StreamingServer).config.streamIdleTimeoutMs, 300);
  const url = await rt.exec(execReq(id, ['sh', '-c', 'echo started; exec sleep 600']));
  const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v5.channel.k8s.io']);
  t.after(() => ws.terminate());
  let out = '';
  let code: number | undefined;
  ws.on('message', (data: Buffer) => { if (data[0] === 1) out += data.subarray(1).toString(); });
  ws.on('close', (c) => { code = c; });
  ws.on('error', () => {});
  await waitFor(() => code !== undefined, { timeoutMs: 5000, what: 'the idle session to be cut off' });
  assert.equal(out, 'started\n');
  assert.equal(code, 1006);
  assert.ok(lines.some((l) => l.includes('stream idle timeout')), 'the shim says why');
});
