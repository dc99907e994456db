// The exit code of SPDY sessions: the pure reader with hand-made frames, then the real kubectl over SPDY through
// an audited API server whose exec backend serves upstream's protocol sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeFrame, Flag } from '../../../../src/spdy/frames.ts';
import { HeaderCompressor } from '../../../../src/spdy/header-block.ts';
import { SpdyErrorStream } from '../../../../src/apiserver/audit/spdy-error-stream.ts';
import { ExecSessionObserver } from '../../../../src/apiserver/audit/exec-session.ts';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { serveRemoteCommand } from '../../../../src/remotecommand/serve-stream.ts';
import { LocalExecutor } from '../../../../src/exec/local.ts';
import { Auditor } from '../../../../src/apiserver/audit/auditor.ts';
import { LogBackend } from '../../../../src/apiserver/audit/log-backend.ts';
import { defaultAuditPolicy } from '../../../../src/apiserver/audit/default-policy.ts';
import type { Event } from '../../../../src/apiserver/audit/event.ts';
import { waitFor } from '../../../../src/util/wait.ts';

const exit42 = '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 42","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"42"}]}}';

// A client's streams as client-go creates them (error first, then stdin, stdout...), and a server's answer.
function session() {
  const z = new HeaderCompressor();
  const syn = (id: number, type: string) => encodeFrame({ type: 'synStream', streamId: id, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: z.compress({ streamtype: type }) });
  const client = Buffer.concat([syn(1, 'error'), syn(3, 'stdin'), syn(5, 'stdout'),
    encodeFrame({ type: 'data', streamId: 3, flags: 0, data: Buffer.from('input') }), encodeFrame({ type: 'data', streamId: 3, flags: Flag.fin, data: Buffer.alloc(0) })]);
  z.close();
  const server = Buffer.concat([
    encodeFrame({ type: 'data', streamId: 5, flags: 0, data: Buffer.from('x'.repeat(100_000).slice(0, 0xffff)) }),
    encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.from(exit42.slice(0, 20)) }),
    encodeFrame({ type: 'data', streamId: 1, flags: Flag.fin, data: Buffer.from(exit42.slice(20)) }),
    encodeFrame({ type: 'rstStream', streamId: 5, status: 5 }),
    encodeFrame({ type: 'goAway', lastGoodStreamId: 0, status: 0 }),
  ]);
  return { client, server };
}

test('SpdyErrorStream finds the error stream from the client\'s SYN_STREAMs and keeps its DATA, in any cuts', () => {
  const { client, server } = session();
  for (const cut of [1, 7, 4096, Infinity]) {
    const r = new SpdyErrorStream();
    for (let i = 0; i < client.length; i += Math.min(cut, client.length)) r.fromClient(client.subarray(i, i + cut));
    for (let i = 0; i < server.length; i += Math.min(cut, server.length)) r.toClient(server.subarray(i, i + cut));
    assert.deepEqual([r.errorBytes().toString(), r.endedCleanly, r.unreadable], [exit42, true, undefined], `cut ${cut}`);
    r.close();
  }
});

test('the session observer reads a v4 SPDY session\'s exit code; garbage makes it say so, never throw', () => {
  const { client, server } = session();
  const o = new ExecSessionObserver('spdy', () => new SpdyErrorStream());
  o.toClient(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n'));
  o.fromClient(client);
  o.toClient(server);
  assert.deepEqual(o.record().outcome, { exitCode: 42 });
  const bad = new ExecSessionObserver('spdy', () => new SpdyErrorStream());
  bad.toClient(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n'));
  bad.fromClient(Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  assert.match(bad.record().outcome!.error!, /^the stream could not be followed: not SPDY\/3\.1 framing/);
});

function kubectlBin(minor: number): string | undefined {
  try {
    const p = join(dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim())), `kubectl.1.${minor}`);
    return existsSync(p) ? p : undefined;
  } catch { return undefined; }
}

const clients = [
  { name: 'kubectl 1.29 (SPDY)', minor: 29, env: {} as Record<string, string>, verbs: ['create'] },
  { name: 'kubectl 1.32 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false', minor: 32, env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, verbs: ['create'] },
  // Upstream's sets have no v5: the WebSocket GET is refused (403) and recorded, then the SPDY POST runs.
  { name: 'kubectl 1.32 (v5 WebSocket refused, SPDY fallback)', minor: 32, env: {} as Record<string, string>, verbs: ['get', 'create'] },
];

for (const c of clients) {
  test(`${c.name}: the audit record of its SPDY session carries the exit code`, async (t) => {
    const kubectl = kubectlBin(c.minor);
    if (!kubectl) return t.skip(`kubectl.1.${c.minor} is not on this machine`);
    const dir = mkdtempSync(join(tmpdir(), 'audit-spdy-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const logPath = join(dir, 'audit.log');
    const auditor = new Auditor({ policy: defaultAuditPolicy, backend: new LogBackend(logPath) });
    const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const server = new APIServer({ name: 'apiserver', stateDir: dir, log: () => {}, extensions: [auditor.extension()],
      subresources: { 'pods/exec': execSubresource(() => ({
        connect: async (req, socket, head, _pod, o) => { await serveRemoteCommand(req, socket, head, { executor, target: { container: dir, cmd: o.command }, options: o }); },
      })) } });
    const url = await server.listen(0);
    t.after(async () => { await server.close(); await auditor.close(); });
    await server.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: '${url}'}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n`);
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => execFile(kubectl, ['--kubeconfig', kubeconfig, 'exec', 'web', '--', 'sh', '-c', 'echo hi; exit 42'],
      { env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), ...c.env }, timeout: 120_000 },
      (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout })));
    assert.deepEqual(run, { code: 42, stdout: 'hi\n' });
    const done = await waitFor(() => {
      const evs = (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event)
        .filter((e) => e.stage === 'ResponseComplete' && e.objectRef?.subresource === 'exec');
      return evs.length === c.verbs.length && evs;
    }, { timeoutMs: 30_000, what: 'the exec\'s ResponseComplete events' });
    assert.deepEqual(done.map((e) => [e.verb, e.responseStatus?.code]), c.verbs.map((v) => [v, v === 'get' ? 403 : 101]));
    const spdy = done.at(-1)!;
    assert.equal(spdy.annotations!['exec.workbook.dev/protocol'], 'v4.channel.k8s.io');
    assert.equal(spdy.annotations!['exec.workbook.dev/exit-code'], '42');
    assert.ok(Number(spdy.annotations!['exec.workbook.dev/bytes-from-client']) > 0);
  });
}
