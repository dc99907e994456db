// Chapter 2's checkpoint: the shared exec scenarios, plus what is particular to exec on the API server's host.
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { startCheckpoint, type RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { streamExec, UpgradeError } from '../../src/remotecommand/websocket-client.ts';
import { execScenarios } from './exec-scenarios.ts';

execScenarios('exec-subresource');

describe('chapter 2 (exec-subresource): exec on the API server\'s host', () => {
  let cp: RunningCheckpoint;
  const api = () => cp.announcements.apiserver!.url!;
  before(async () => {
    cp = await startCheckpoint('exec-subresource');
    const res = await fetch(`${api()}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx', env: [{ name: 'GREETING', value: 'hello' }] }] } }) });
    assert.equal(res.status, 201);
  });
  after(async () => { await cp?.stop(); });

  test('the command runs in the pod\'s folder under the state dir, with the container env', async () => {
    let out = '';
    const status = await streamExec(`${api()}/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=pwd%3B+echo+%24GREETING+%24HOSTNAME&stdout=true`, {
      stdout: new Writable({ write(c, _e, cb) { out += c; cb(); } }), tty: false,
    });
    assert.equal(status.status, 'Success');
    assert.equal(out, `${cp.stateDir}/apiserver/pods/default/web\nhello web\n`);
  });

  test('both of kubectl\'s attempts get the same Status: the WebSocket GET and the SPDY POST', async () => {
    const path = '/api/v1/namespaces/default/pods/web/exec?command=date&container=nope&stdout=true';
    const ws = await streamExec(`${api()}${path}`, { tty: false }).catch((e) => e);
    assert.ok(ws instanceof UpgradeError);
    const spdy = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`${api()}${path}`, { method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io', 'Content-Length': '0' } });
      req.on('response', (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve({ code: res.statusCode ?? 0, body: b })); });
      req.on('upgrade', () => reject(new Error('unexpected 101')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(spdy.code, 400);
    assert.deepEqual(JSON.parse(spdy.body), ws.status);
    // With a valid request, SPDY itself is what is refused, in words that say when it arrives.
    const plain = await new Promise<string>((resolve, reject) => {
      const req = request(`${api()}/api/v1/namespaces/default/pods/web/exec?command=date&stdout=true`, { method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'Content-Length': '0' } });
      req.on('response', (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve(b)); });
      req.on('error', reject);
      req.end();
    });
    assert.match(JSON.parse(plain).message, /SPDY is not served yet: .*SPDY arrives in chapter 8/);
  });

  test('an exec asking for no stream is refused by what plays the kubelet, in the kubelet\'s words: 400, plain text', async () => {
    const e = await streamExec(`${api()}/api/v1/namespaces/default/pods/web/exec?command=date`, { tty: false }).catch((err) => err);
    assert.ok(e instanceof UpgradeError);
    assert.deepEqual([e.statusCode, e.status, e.body], [400, undefined, 'you must specify at least 1 of stdin, stdout, stderr']);
    assert.equal(e.message, 'unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr');
  });

  test('kubectl with WebSockets turned off sees the SPDY Status', async (t) => {
    const has = await new Promise<boolean>((r) => execFile('which', ['kubectl'], (err) => r(!err)));
    if (!has) return t.skip('the real kubectl is not on PATH');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('kubectl', ['--kubeconfig', cp.kubeconfig, 'exec', 'web', '--', 'date'], { env: { ...cp.env, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } },
        (err, _out, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }));
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(BadRequest\): SPDY is not served yet: this server speaks remotecommand over WebSocket only \(SPDY arrives in chapter 8\)\n$/);
  });
});
