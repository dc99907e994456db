// The SPDY client's pure parts and its upgrade request, against raw TCP fakes: the request on the wire, each refusal
// and its words, the version rules, the error stream per version, the fallback decision and the env gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { decodeStatusBody, spdyUpgrade } from '../../../src/remotecommand/spdy-upgrade.ts';
import { errorStreamStatus, spdyProtocols, spdyProtocolVersion, streamsToCreate, encodeResize } from '../../../src/remotecommand/spdy-protocol.ts';
import { UpgradeError } from '../../../src/remotecommand/websocket-client.ts';
import { fallbackExecutor, isUpgradeFailure, remoteCommandWebsocketsDisabled, upgradeFailureMessage } from '../../../src/remotecommand/fallback.ts';
import { exitCodeFromStatus } from '../../../src/remotecommand/status.ts';
import type { Logger } from '../../../src/client/klog.ts';

// A server that records the raw request head and answers with `answer` (then keeps or ends the socket).
async function rawServer(t: { after: (fn: () => Promise<void>) => void }, answer: string, opts: { end?: boolean } = {}) {
  const heads: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    let buf = '';
    s.on('data', (c) => {
      buf += c.toString('latin1');
      if (!buf.includes('\r\n\r\n')) return;
      heads.push(buf.slice(0, buf.indexOf('\r\n\r\n')));
      if (opts.end === false) s.write(answer); else s.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/namespaces/default/pods/web/exec?command=date&container=web&stdout=true`, heads };
}

test('the upgrade request: POST, Content-Length: 0, Connection/Upgrade, one X-Stream-Protocol-Version line per protocol in order', async (t) => {
  const s = await rawServer(t, 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nHEAD', { end: false });
  const seen: number[] = [];
  const up = await spdyUpgrade(s.url, { protocols: spdyProtocols, headers: { 'User-Agent': 'ours', Authorization: 'Bearer x' }, onResponse: (r) => seen.push(r.statusCode) });
  up.socket.destroy();
  assert.equal(up.protocol, 'v4.channel.k8s.io');
  assert.equal(up.head.toString(), 'HEAD', 'bytes that came with the 101 are handed over');
  assert.deepEqual(seen, [101]);
  const lines = s.heads[0].split('\r\n');
  assert.equal(lines[0], 'POST /api/v1/namespaces/default/pods/web/exec?command=date&container=web&stdout=true HTTP/1.1');
  const headers = lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]);
  const get = (n: string) => headers.filter(([k]) => k === n).map(([, v]) => v);
  assert.deepEqual(get('x-stream-protocol-version'), ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
  assert.deepEqual([get('content-length'), get('connection'), get('upgrade'), get('authorization')], [['0'], ['Upgrade'], ['SPDY/3.1'], ['Bearer x']]);
  assert.deepEqual(get('transfer-encoding'), []);
});

test('a refusal with a Status body: UpgradeError carrying that Status (kubectl prints "Error from server (Reason): …")', async (t) => {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'container nope is not valid for pod web', reason: 'BadRequest', code: 400 });
  const s = await rawServer(t, `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  const err = await spdyUpgrade(s.url, { protocols: spdyProtocols }).catch((e) => e);
  assert.ok(err instanceof UpgradeError);
  assert.equal(err.statusCode, 400);
  assert.equal(err.status?.reason, 'BadRequest');
  assert.equal(err.message, 'unable to upgrade connection: container nope is not valid for pod web');
});

test('a refusal in plain text (the kubelet\'s words): "unable to upgrade connection: <text>", no Status', async (t) => {
  const body = 'container not found ("web")';
  const s = await rawServer(t, `HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  const err = await spdyUpgrade(s.url, { protocols: spdyProtocols }).catch((e) => e);
  assert.ok(err instanceof UpgradeError);
  assert.equal(err.status, undefined);
  assert.equal(err.message, 'unable to upgrade connection: container not found ("web")');
});

test('a 101 without Connection/Upgrade, or upgrading to something else, is refused; the socket is not kept', async (t) => {
  for (const answer of ['HTTP/1.1 101 Switching Protocols\r\n\r\n', 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n']) {
    const s = await rawServer(t, answer, { end: false });
    const err = await spdyUpgrade(s.url, { protocols: spdyProtocols }).catch((e) => e);
    assert.ok(err instanceof UpgradeError, answer);
    assert.equal(err.statusCode, 101);
  }
});

test('nothing listening: "error sending request: Post …: dial tcp …: connect: connection refused"', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const err = await spdyUpgrade(`http://127.0.0.1:${port}/x`, { protocols: spdyProtocols }).catch((e) => e);
  assert.equal(err.message, `error sending request: Post "http://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  assert.equal(isUpgradeFailure(err), false, 'a dial error is final: no fallback');
});

test('an abort while the server has not answered rejects with the reason and leaves nothing open', async (t) => {
  const s = await rawServer(t, '', { end: false });
  const ac = new AbortController();
  const p = spdyUpgrade(s.url, { protocols: spdyProtocols, signal: ac.signal });
  ac.abort(new Error('gave up'));
  await assert.rejects(p, /gave up/);
});

test('decodeStatusBody reads a body as client-go\'s universal decoder does: JSON or YAML maps, kind Status or none', () => {
  assert.equal(decodeStatusBody('{"kind":"Status","status":"Failure","message":"m","reason":"Forbidden","code":403}')?.reason, 'Forbidden');
  assert.equal(decodeStatusBody('pod does not exist'), undefined);
  assert.equal(decodeStatusBody('container not found ("web")'), undefined);
  assert.equal(decodeStatusBody(''), undefined);
  assert.equal(decodeStatusBody('{"kind":"Pod"}'), undefined);
  assert.equal(decodeStatusBody('error: something broke')?.message, '', 'one ": " makes YAML: an empty Status, as kubectl finds');
});

test('versions: the negotiated header decides streams, resize and the error stream\'s format', () => {
  const v = (n: string) => spdyProtocolVersion(n)!;
  assert.deepEqual([v('v5.channel.k8s.io').version, v('v4.channel.k8s.io').version, v('v3.channel.k8s.io').version, v('v2.channel.k8s.io').version, v('channel.k8s.io').version, v('').version], [5, 4, 3, 2, 1, 1]);
  assert.equal(spdyProtocolVersion('v9.channel.k8s.io'), undefined);
  const all = { stdin: true, stdout: true, stderr: true, tty: false };
  assert.deepEqual(streamsToCreate(v('v4.channel.k8s.io'), all), ['error', 'stdin', 'stdout', 'stderr']);
  assert.deepEqual(streamsToCreate(v('v4.channel.k8s.io'), { ...all, tty: true }), ['error', 'stdin', 'stdout', 'resize'], 'a terminal: no stderr, a resize stream');
  assert.deepEqual(streamsToCreate(v('v2.channel.k8s.io'), { ...all, tty: true }), ['error', 'stdin', 'stdout'], 'v2: no resize');
  assert.deepEqual(streamsToCreate(v('v5.channel.k8s.io'), { stdin: false, stdout: true, stderr: false, tty: false }), ['error', 'stdout']);
  assert.equal(encodeResize({ width: 120, height: 40 }).toString(), '{"Width":120,"Height":40}\n');
});

test('the error stream: empty is success in every version; text before v4 with client-go\'s words; JSON Status from v4', () => {
  const v = (n: string) => spdyProtocolVersion(n)!;
  for (const n of spdyProtocols) assert.equal(errorStreamStatus(v(n), new Uint8Array()).status, 'Success');
  assert.equal(errorStreamStatus(v('v2.channel.k8s.io'), Buffer.from('boom')).message, 'error executing remote command: boom');
  assert.equal(errorStreamStatus(v('channel.k8s.io'), Buffer.from('boom')).message, 'Error executing remote command: boom');
  const exit = { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: 'x', details: { causes: [{ reason: 'ExitCode', message: '7' }] } };
  assert.equal(exitCodeFromStatus(errorStreamStatus(v('v4.channel.k8s.io'), Buffer.from(JSON.stringify(exit)))), 7);
  assert.throws(() => errorStreamStatus(v('v4.channel.k8s.io'), Buffer.from('not json')), /^Error: error stream protocol error: .* in "not json"$/);
  assert.throws(() => errorStreamStatus(v('v5.channel.k8s.io'), Buffer.from('"str"')), /cannot unmarshal string/);
  assert.throws(() => exitCodeFromStatus(errorStreamStatus(v('v4.channel.k8s.io'), Buffer.from('null'))), /unknown error/);
});

test('fallback: SPDY only after an upgrade failure, with kubectl\'s -v=4 line; other errors are final', async () => {
  const lines: string[] = [];
  const logger: Logger = { verbosity: 4, enabled: (l) => l <= 4, info: (_l, src, m) => lines.push(`${src}] ${m}`) };
  const ok = { metadata: {}, status: 'Success' } as const;
  let spdyCalls = 0;
  const spdy = async () => { spdyCalls++; return ok; };
  const refused = async () => { throw new UpgradeError(400, { metadata: {}, status: 'Failure', message: 'ws refused' }, '{}'); };
  assert.equal(await fallbackExecutor(refused, spdy)('u', { logger }), ok);
  assert.deepEqual(lines, ['fallback.go:56] RemoteCommand fallback: unable to upgrade streaming request: ws refused']);
  const dial = async () => { throw new Error('dial tcp: connection refused'); };
  await assert.rejects(fallbackExecutor(dial, spdy)('u', {}), /connection refused/);
  const midStream = async () => { throw new Error('error reading from error stream: websocket: close 1006'); };
  await assert.rejects(fallbackExecutor(midStream, spdy)('u', {}), /close 1006/);
  assert.equal(spdyCalls, 1);
  assert.ok(isUpgradeFailure(Object.assign(new Error('Server sent no subprotocol'), { upgradeFailure: true })), 'a 101 without our subprotocol counts');
  assert.equal(upgradeFailureMessage(new UpgradeError(404, undefined, '404 page not found\n')), 'unable to upgrade streaming request: websocket: bad handshake (404 Not Found): 404 page not found');
});

test('KUBECTL_REMOTE_COMMAND_WEBSOCKETS: only "false" (any case) turns WebSockets off', () => {
  const off = (v?: string) => remoteCommandWebsocketsDisabled(v === undefined ? {} : { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: v });
  assert.deepEqual([off('false'), off('FALSE'), off('False'), off('0'), off('no'), off(''), off(), off('true')], [true, true, true, false, false, false, false, false]);
});

test('a WebSocket 101 that agrees to no subprotocol is an upgrade failure too: the fallback goes on to SPDY', async (t) => {
  const { createServer: createHttpServer } = await import('node:http');
  const { WebSocketServer } = await import('ws');
  const { streamExec } = await import('../../../src/remotecommand/websocket-client.ts');
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => false });
  const http = createHttpServer();
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('error', () => {})));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  t.after(() => { wss.close(); http.closeAllConnections(); return new Promise((r) => http.close(r)); });
  const target = `http://127.0.0.1:${(http.address() as AddressInfo).port}/exec`;
  const err = await streamExec(target, { tty: false }).catch((e) => e);
  assert.ok(isUpgradeFailure(err), `not an upgrade failure: ${err}`);
  let spdy = 0;
  const status = await fallbackExecutor(streamExec, async () => { spdy++; return { metadata: {}, status: 'Success' } as const; })(target, { tty: false });
  assert.deepEqual([status.status, spdy], ['Success', 1]);
});
