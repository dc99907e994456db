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
