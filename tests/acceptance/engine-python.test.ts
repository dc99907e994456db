// The engine against the python docker SDK (7.x, unmodified): containers.run, exec_run with and without demux, and tty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hasPythonDocker, startTestEngine, type TestEngine } from '../fixtures/engine.ts';

// CI installs the docker CLI from Debian, but the SDK is a pip package it may not have.
const skip = hasPythonDocker ? false : 'the python docker SDK is not installed (import docker failed)';
let engine: TestEngine;

// A constant script; what varies reaches it in the environment.
const SCRIPT = `
import docker, json, sys
client = docker.from_env()
out = {}
client.images.pull('busybox', tag='latest')
out['run'] = client.containers.run('busybox', ['sh', '-c', 'echo from-run; echo err-run >&2'], remove=True, stderr=True).decode()
c = client.containers.run('busybox', ['sleep', '1000'], detach=True, labels={'suite': 'python'})
out['listed'] = [x.id for x in client.containers.list(filters={'label': 'suite=python'})] == [c.id]
r = c.exec_run(['sh', '-c', 'echo out; echo err >&2; exit 2'])
out['exec'] = [r.exit_code, r.output.decode()]
r = c.exec_run(['sh', '-c', 'echo out; echo err >&2; exit 3'], demux=True)
out['demux'] = [r.exit_code, r.output[0].decode(), r.output[1].decode()]
r = c.exec_run(['sh', '-c', 'tty; echo err >&2; exit 4'], tty=True)
out['tty'] = [r.exit_code, r.output.decode()]
c.reload()
out['status'] = c.status
c.kill()
out['wait'] = c.wait()['StatusCode']
c.remove()
try:
    client.containers.get(c.id)
    out['gone'] = False
except docker.errors.NotFound as e:
    out['gone'] = True
json.dump(out, sys.stdout)
`;

before(async () => { if (!skip) engine = await startTestEngine(); });
after(async () => { await engine?.stop(); });

test('containers.run, list by label, exec_run (plain, demux=True, tty=True), kill, wait, remove', { skip }, async () => {
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn('python3', ['-c', SCRIPT], { env: { ...process.env, DOCKER_HOST: engine.dockerHost }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`python timed out: ${stderr}`)); }, 60_000);
    p.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  // run() returns the container's logs: both streams, in the order they were written (two pipes: either order)
  assert.deepEqual(out.run.split('\n').sort(), ['', 'err-run', 'from-run']);
  assert.equal(out.listed, true);
  assert.equal(out.exec[0], 2);
  assert.deepEqual(out.exec[1].split('\n').sort(), ['', 'err', 'out']);
  assert.deepEqual(out.demux, [3, 'out\n', 'err\n']);
  // tty=True: one raw stream, both outputs in it, with the terminal's CRLF
  assert.equal(out.tty[0], 4);
  assert.match(out.tty[1], /^\/dev\/pts\/\d+\r\nerr\r\n$/);
  assert.equal(out.status, 'running');
  assert.equal(out.wait, 137);
  assert.equal(out.gone, true);
});
