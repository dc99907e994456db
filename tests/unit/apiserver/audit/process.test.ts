// The audit flags in a real API server process: a policy file read at start, a bad one refused with its reason,
// and the log complete after SIGTERM (the session the shutdown ended is recorded too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import type { Event } from '../../../../src/apiserver/audit/event.ts';
import { waitFor } from '../../../../src/util/wait.ts';

const entry = resolve('tests/fixtures/audited-apiserver.ts');

function start(dir: string, flags: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, '--name=apiserver', `--state-dir=${dir}`, '--port=0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, output: () => out };
}

test('--audit-policy-file with an unknown level: the server refuses to start and says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Everything}]\n');
  const p = start(dir, [`--audit-log-path=${join(dir, 'audit.log')}`, `--audit-policy-file=${join(dir, 'policy.yaml')}`]);
  t.after(() => p.child.kill('SIGKILL'));
  assert.notEqual(await p.exited, 0);
  assert.match(p.output(), /rules\[0\]\.level: Unsupported value: "Everything"/);
});

test('an audited API server process: SIGTERM ends a running exec and the log still gets its ResponseComplete', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logPath = join(dir, 'audit.log');
  const p = start(dir, [`--audit-log-path=${logPath}`]);
  t.after(() => p.child.kill('SIGKILL'));
  const url = await waitFor(() => /serving the Kubernetes API at (http:\/\/\S+)/.exec(p.output())?.[1], { timeoutMs: 60_000, what: 'the API server to start' });
  const created = await fetch(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } }) });
  assert.equal(created.status, 201);
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/namespaces/default/pods/web/exec?command=sleep&command=600&stdout=true`, ['v5.channel.k8s.io']);
  ws.on('error', () => {});
  await new Promise((r) => ws.once('open', r));
  await waitFor(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('"ResponseStarted"'), { timeoutMs: 20_000, what: 'ResponseStarted' });
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  const events = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
  const exec = events.filter((e) => e.objectRef?.subresource === 'exec');
  assert.deepEqual(exec.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  assert.match(exec[2]!.requestURI, /command=sleep&command=\[redacted\]/);
  assert.ok(exec[2]!.annotations!['exec.workbook.dev/duration']);
  assert.deepEqual(events.filter((e) => e.verb === 'create' && !e.objectRef?.subresource).map((e) => e.stage), ['ResponseComplete']);
});
