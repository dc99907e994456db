// The engine's terminals with the real docker CLI 28 on a real pseudo-terminal (node-pty): docker exec -it and
// docker run -it give a shell on the container's own /dev/pts/N, stty size follows the outer terminal, exit codes,
// the detach keys (ctrl-p ctrl-q: the CLI says "read escape sequence", the process goes on), and the raw stream.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCLI, docker, engineRequest, startTestEngine, type TestEngine } from '../fixtures/engine.ts';
import { waitFor } from '../../src/util/wait.ts';

type Pty = typeof import('node-pty');
const pty = await import('node-pty').catch(() => null);
const skip = !dockerCLI ? 'the docker CLI is not installed' : !pty ? 'node-pty is not installed: cannot give the CLI a terminal' : false;
let engine: TestEngine;
const d = (...args: string[]) => docker(engine, args);
const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

// busybox ash's prompt as root, then its question to the terminal about the cursor's place (ESC[6n), which a
// terminal window answers and node-pty's does not; after a resize it redraws the line ("\r/ # ESC[J").
const PROMPT = /# (\x1b\[6n|\x1b\[J)*$/;

interface Terminal { output(): string; write(s: string): void; resize(cols: number, rows: number): void; exited: Promise<number> }

// The docker CLI on a fresh pty of the given size, as a person runs it in a terminal window.
function open(p: Pty, args: string[], t: TestContext, size = { cols: 80, rows: 24 }): Terminal {
  const term = p.spawn(dockerCLI!, args, { ...size, cwd: tmpdir(), env: { ...process.env as Record<string, string>, DOCKER_HOST: engine.dockerHost, DOCKER_CONFIG: join(tmpdir(), 'engine-test-docker-config') } });
  let out = '';
  term.onData((s) => { out += s; });
  const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
  t.after(() => { try { term.kill('SIGKILL'); } catch { /* gone */ } });
  return { output: () => out, write: (s) => term.write(s), resize: (c, r) => term.resize(c, r), exited };
}

async function expect(term: Terminal, re: RegExp, what: string, from = 0): Promise<RegExpExecArray> {
  return waitFor(() => re.exec(term.output().slice(from)), { timeoutMs: 30_000, what }).catch((err: Error) => {
    throw new Error(`${err.message}; the terminal shows:\n${JSON.stringify(term.output().slice(-600))}`);
  });
}

// One command typed at the prompt, and what it printed before the next prompt.
async function run(term: Terminal, line: string, re: RegExp, what: string): Promise<RegExpExecArray> {
  const from = term.output().length;
  term.write(`${line}\r`);
  const m = await expect(term, re, what, from);
  // The next line waits for the prompt: typed earlier, it is echoed before the prompt and runs after it.
  await expect(term, PROMPT, `the prompt after ${what}`, from);
  return m;
}

// After a resize: stty size, asked again until it tells the new size (it travels the CLI → engine → TIOCSWINSZ).
async function sizeFollows(term: Terminal, rowsCols: string): Promise<void> {
  await waitFor(async () => (await run(term, 'stty size', /\r\n\d+ \d+\r\n/, 'stty size'))[0] === `\r\n${rowsCols}\r\n`,
    { timeoutMs: 15_000, what: `stty size to follow the resize to ${rowsCols}` });
}

before(async () => {
  if (skip) return;
  engine = await startTestEngine();
  const pulled = await d('pull', 'busybox');
  assert.equal(pulled.code, 0, pulled.stderr);
});
after(async () => { await engine?.stop(); });

test('docker exec -it: a prompt on the container\'s /dev/pts/N, 42, stty size follows the outer terminal, exit 3', { skip }, async (t) => {
  const name = uniq('exec-it');
  const started = await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  assert.equal(started.code, 0, started.stderr);
  const term = open(pty!, ['exec', '-it', name, 'sh'], t, { cols: 91, rows: 27 });
  await expect(term, PROMPT, 'the prompt');
  await run(term, 'tty', /\r\n\/dev\/pts\/\d+\r\n/, 'tty');
  await run(term, 'echo $((6*7))', /\r\n42\r\n/, '42');
  await run(term, 'stty size', /\r\n27 91\r\n/, 'the first size (ConsoleSize)');
  term.resize(120, 40);
  await sizeFollows(term, '40 120');
  term.write('exit 3\r');
  assert.equal(await term.exited, 3);
  await d('rm', '-f', name);
});

test('docker exec -it: ctrl-p ctrl-q detaches ("read escape sequence"), the shell goes on; --detach-keys; ctrl-c reaches the shell', { skip }, async (t) => {
  const name = uniq('detach');
  const started = await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  assert.equal(started.code, 0, started.stderr);
  const term = open(pty!, ['exec', '-it', name, 'sh', '-c', 'echo ready; exec sleep 777'], t);
  await expect(term, /ready/, 'the exec to run');
  term.write('\x10\x11');
  await expect(term, /read escape sequence/, 'the CLI to detach');
  // docker exec returns the EscapeError (docker run -it treats it as success; exec does not): status 1.
  assert.equal(await term.exited, 1);
  // The process goes on after its client left.
  const ps = await d('exec', name, 'ps', '-o', 'args');
  assert.match(ps.stdout, /sleep 777/);

  const keys = open(pty!, ['exec', '-it', '--detach-keys', 'ctrl-x,x', name, 'sh'], t);
  await expect(keys, PROMPT, 'the prompt');
  keys.write('sleep 100\r');
  await waitFor(async () => /sleep 100/.test((await d('exec', name, 'ps', '-o', 'args')).stdout), { what: 'sleep 100 to run' });
  const from = keys.output().length;
  keys.write('\x03'); // a byte for the terminal: SIGINT to the foreground job, the shell survives
  await expect(keys, PROMPT, 'the prompt after ctrl-c', from);
  keys.write('\x10\x11echo still-here\r'); // the default keys are plain input when others are set
  await expect(keys, /still-here\r\n[\s\S]*# (\x1b\[6n)?$/, 'ctrl-p ctrl-q as plain input', from);
  keys.write('\x18x');
  await expect(keys, /read escape sequence/, 'the CLI to detach on ctrl-x x');
  assert.equal(await keys.exited, 1);
  await d('rm', '-f', name);
});

test('docker run -it --rm busybox sh: the container\'s own terminal at the window\'s size, exit code, removed', { skip }, async (t) => {
  const name = uniq('run-it');
  const term = open(pty!, ['run', '-it', '--rm', '--name', name, 'busybox', 'sh'], t, { cols: 100, rows: 30 });
  await expect(term, PROMPT, 'the prompt');
  await run(term, 'echo $((6*7))', /\r\n42\r\n/, '42');
  const tty = await run(term, 'tty', /\r\n(\/dev\/pts\/\d+)\r\n/, 'tty');
  // The container's own devpts, where its console is the first terminal (over host processes: the host's).
  const isolated = (await d('info', '--format', '{{.DefaultRuntime}}')).stdout.trim() !== 'processes';
  if (isolated) assert.equal(tty[1], '/dev/pts/0');
  await run(term, 'stty size', /\r\n30 100\r\n/, 'the first size');
  term.resize(70, 20);
  await sizeFollows(term, '20 70');
  term.write('exit 5\r');
  assert.equal(await term.exited, 5);
  await waitFor(async () => (await d('inspect', name)).code !== 0, { what: 'the container to be removed' });
});

test('a terminal on the raw API: raw-stream content type, no frames, exec resize applied', { skip }, async () => {
  const name = uniq('raw');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  const created = await call('POST', `/v1.47/containers/${name}/exec`, { Cmd: ['sh', '-c', 'stty size; echo out; echo err >&2'], AttachStdout: true, AttachStderr: true, Tty: true, ConsoleSize: [33, 101] });
  assert.equal(created.status, 201);
  const id = JSON.parse(created.body).Id as string;
  const started = await call('POST', `/v1.47/exec/${id}/start`, { Detach: false, Tty: true });
  assert.equal(started.status, 200);
  assert.equal(started.headers['content-type'], 'application/vnd.docker.raw-stream');
  assert.equal(started.body, '33 101\r\nout\r\nerr\r\n');
  const inspected = JSON.parse((await call('GET', `/exec/${id}/json`)).body);
  assert.deepEqual([inspected.Running, inspected.ExitCode, inspected.ProcessConfig.tty], [false, 0, true]);
  const resize = await call('POST', `/exec/${id}/resize?h=10&w=20`);
  assert.equal(resize.status, 200);
  await d('rm', '-f', name);
});

const call = (method: string, path: string, body?: unknown) => engineRequest(engine, method, path, body);

// The engine's own escape proxy (a client that does not detach by itself, as the CLI does): the keys end the
// connection, the process goes on; held keys that turn out to be input reach it.
test('detach keys on the raw API: ctrl-p ctrl-q ends the connection, the exec goes on running; no descriptor left', { skip }, async () => {
  const name = uniq('raw-detach');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  const fds = () => readdirSync(`/proc/${engine.child.pid}/fd`).length;
  const before = fds();
  const created = await call('POST', `/v1.47/containers/${name}/exec`, { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, Tty: true });
  const id = JSON.parse(created.body).Id as string;
  const sock = connect(engine.socket);
  sock.on('error', () => {});
  let got = '';
  sock.on('data', (c: Buffer) => { got += c.toString('latin1'); });
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  const body = '{"Detach":false,"Tty":true}';
  sock.write(`POST /v1.47/exec/${id}/start HTTP/1.1\r\nHost: engine\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await waitFor(() => got.includes('\r\n\r\n'), { what: 'the 101' });
  assert.match(got, /^HTTP\/1\.1 101 UPGRADED\r\n[\s\S]*Content-Type: application\/vnd\.docker\.raw-stream\r\n/);
  sock.write('one\x10two\n');
  await waitFor(() => /one\x10two\r\n[\s\S]*one\x10two\r\n/.test(got) || /one\^Ptwo\r\n[\s\S]*one\x10two\r\n/.test(got), { what: 'cat to echo a held key that was input' });
  sock.write('\x10\x11');
  await closed;
  const inspected = JSON.parse((await call('GET', `/exec/${id}/json`)).body);
  assert.equal(inspected.Running, true, 'the process goes on after its client detached');
  assert.equal((await d('stop', '-t', '0', name)).code, 0);
  await waitFor(async () => JSON.parse((await call('GET', `/exec/${id}/json`)).body).Running === false, { what: 'the detached exec to end with its container' });
  await d('rm', name);
  await waitFor(() => fds() <= before, { what: `the engine's descriptors back to ${before}` });
});

test('docker run -it: ctrl-p ctrl-q detaches (status 0), the container goes on; docker attach is not needed to see that', { skip }, async (t) => {
  const name = uniq('run-detach');
  const term = open(pty!, ['run', '-it', '--name', name, 'busybox', 'sh'], t);
  await expect(term, PROMPT, 'the prompt');
  term.write('\x10\x11');
  assert.equal(await term.exited, 0);
  const state = await d('inspect', '--format', '{{.State.Running}}', name);
  assert.equal(state.stdout.trim(), 'true');
  await d('rm', '-f', name);
});
