// LocalExecBackend: names that could escape the state folder are refused; the command runs in the pod's folder with the container's env.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LocalExecBackend, podFolder } from '../../../../src/apiserver/exec/local.ts';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { streamExec, UpgradeError } from '../../../../src/remotecommand/websocket-client.ts';
import type { Pod } from '../../../../src/api/types.ts';

test('podFolder: DNS-1123 names only, so no traversal', () => {
  assert.equal(podFolder('/s', 'default', 'web.v1'), '/s/apiserver/pods/default/web.v1');
  for (const [ns, name] of [['default', '..'], ['default', '../x'], ['..', 'web'], ['default', 'a/b'], ['Default', 'web'], ['default', '.hidden'], ['default', ''], ['a'.repeat(64), 'web']]) {
    assert.throws(() => podFolder('/s', ns!, name!), (e: { status?: { code?: number } }) => e.status?.code === 400, `${ns}/${name}`);
  }
});

test('connect: runs in <state>/apiserver/pods/<ns>/<pod>/ with the container env; bad names get a 400 Status', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'local-backend-'));
  const backend = new LocalExecBackend({ stateDir: state });
  let pod: Pod = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', env: [{ name: 'GREETING', value: 'hi' }] }] } };
  const server = createServer();
  server.on('upgrade', (req, socket, head) => void backend.connect(req, socket, head, pod, {
    stdin: false, stdout: true, stderr: true, tty: false, container: 'web', command: ['sh', '-c', 'pwd; echo $GREETING $HOSTNAME'],
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); rmSync(state, { recursive: true, force: true }); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exec`;

  let out = '';
  const stdout = new Writable({ write(c, _e, cb) { out += c; cb(); } });
  const status = await streamExec(url, { stdout, tty: false });
  assert.equal(status.status, 'Success');
  assert.equal(out, `${join(state, 'apiserver/pods/default/web')}\nhi web\n`);

  pod = { metadata: { name: '../../etc', namespace: 'default' }, spec: { containers: [{ name: 'web' }] } };
  const err = await streamExec(url, { tty: false }).catch((e) => e);
  assert.ok(err instanceof UpgradeError);
  assert.equal(err.statusCode, 400);
  assert.match(err.message, /is not a DNS-1123 subdomain/);
});

// Regression (issue 8): the API server logged whole exec URLs, so a secret on a command line landed in its log.
test('the API server logs an exec by its path and the count of command words, never the words', async (t) => {
  const state = mkdtempSync(join(tmpdir(), 'local-backend-log-'));
  const lines: string[] = [];
  const server = new APIServer({ name: 'apiserver', stateDir: state, log: (l) => lines.push(l),
    subresources: { 'pods/exec': execSubresource((api) => new LocalExecBackend({ stateDir: api.stateDir, log: api.log })) } });
  const url = await server.listen(0);
  t.after(async () => { await server.close(); rmSync(state, { recursive: true, force: true }); });
  const res = await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'busybox' }] } }) });
  assert.equal(res.status, 201);
  const secret = 'Bearer-s3cr3t-token';
  const path = '/api/v1/namespaces/default/pods/web/exec';
  const status = await streamExec(`${url}${path}?command=sh&command=-c&command=${encodeURIComponent(`echo ${secret} >/dev/null`)}&stdout=true`, { tty: false });
  assert.equal(status.status, 'Success');
  // The plain (SPDY-style) POST is logged by the request log rather than the upgrade line.
  await fetch(`${url}${path}?command=echo&command=${secret}&stdout=true`, { method: 'POST' });
  assert.deepEqual(lines.filter((l) => l.includes(secret)), []);
  assert.ok(lines.includes(`GET ${path}?stdout=true [3 command words] upgrade: websocket`), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`POST ${path}?stdout=true [2 command words] 400 `)), lines.join('\n'));
  assert.ok(lines.includes(`exec default/web [3 command words] in ${join(state, 'apiserver/pods/default/web')}`), lines.join('\n'));
});
