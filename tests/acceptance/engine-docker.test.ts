// The engine against the real docker CLI 28 (DOCKER_HOST=unix://…): what a reader types in chapter 6, and what they see.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { dockerCLI, docker, engineRequest, startTestEngine, type TestEngine } from '../fixtures/engine.ts';
import { waitFor } from '../../src/util/wait.ts';

const skip = dockerCLI ? false : 'the docker CLI is not installed';
let engine: TestEngine;
const d = (...args: string[]) => docker(engine, args);
const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

const raw = (method: string, path: string, body?: unknown) => engineRequest(engine, method, path, body);

before(async () => {
  if (skip) return;
  engine = await startTestEngine();
  const pulled = await d('pull', 'busybox');
  assert.equal(pulled.code, 0, pulled.stderr);
});
after(async () => { await engine?.stop(); });

test('version and info: the API version negotiated, the engine named, isolation stated', { skip }, async () => {
  const v = await d('version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Client.APIVersion}}');
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), '1.47 1.24 1.47');
  const info = await d('info', '--format', '{{.Name}} {{.OSType}} {{.LoggingDriver}}');
  assert.equal(info.stdout.trim(), 'docker-node-1 linux json-file');
  const ping = await raw('GET', '/_ping');
  assert.deepEqual([ping.status, ping.body, ping.headers['api-version'], ping.headers['ostype']], [200, 'OK', '1.47', 'linux']);
});

test('pull and images: a catalog image by name; an unknown one is the registry\'s refusal', { skip }, async () => {
  const again = await d('pull', 'busybox');
  assert.match(again.stdout, /Status: Image is up to date for busybox:latest/);
  assert.match(again.stdout, /docker\.io\/library\/busybox:latest/);
  const images = await d('images', '--format', '{{.Repository}}:{{.Tag}}');
  assert.match(images.stdout, /^busybox:latest$/m);
  assert.equal((await d('pull', 'busybox:spare')).code, 0);
  const inspected = JSON.parse((await d('image', 'inspect', 'busybox:spare')).stdout)[0];
  assert.deepEqual(inspected.RepoTags.sort(), ['busybox:latest', 'busybox:spare']);
  const rmi = await d('rmi', 'busybox:spare');
  assert.deepEqual([rmi.code, rmi.stdout.trim().split('\n')[0]], [0, 'Untagged: busybox:spare']);
  assert.doesNotMatch((await d('images', '--format', '{{.Repository}}:{{.Tag}}')).stdout, /spare/);
  const user = uniq('user');
  await d('create', '--name', user, 'busybox', 'true');
  const busy = await d('rmi', 'busybox');
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /conflict: unable to remove repository reference "busybox" \(must force\) - container [0-9a-f]{12} is using its referenced image/);
  await d('rm', user);
  const unknown = await d('pull', 'no-such-image-here');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Error response from daemon: pull access denied for no-such-image-here, repository does not exist/);
});

test('run --rm echo: output whole, exit codes exact, the container removed', { skip }, async () => {
  const name = uniq('rm');
  const r = await d('run', '--rm', '--name', name, 'busybox', 'echo', 'hi');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'hi\n', '']);
  const code = await d('run', '--rm', 'busybox', 'sh', '-c', 'echo to-stderr >&2; exit 7');
  assert.deepEqual([code.code, code.stderr], [7, 'to-stderr\n']);
  const ps = await d('ps', '-a', '--format', '{{.Names}}');
  assert.doesNotMatch(ps.stdout, new RegExp(name));
  const missing = await d('run', '--rm', '--name', `${name}-x`, 'busybox', 'no-such-command');
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /exec: "no-such-command": executable file not found in \$PATH/);
  assert.doesNotMatch((await d('ps', '-a', '--format', '{{.Names}}')).stdout, new RegExp(`${name}-x`));
  const unknown = await d('run', '--rm', 'no-such-image-here', 'true');
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /Unable to find image 'no-such-image-here:latest' locally/);
  assert.match(unknown.stderr, /pull access denied for no-such-image-here/);
});

test('run -d, ps, inspect, exec (plain, -i with stdin, stderr apart, exit codes, signals)', { skip }, async () => {
  const name = uniq('web');
  const id = (await d('run', '-d', '--name', name, '--label', 'app=web', 'busybox', 'sleep', '1000')).stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = await d('ps', '--filter', 'label=app=web', '--format', '{{.ID}} {{.Names}} {{.Status}}');
  assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)} ${name} Up `, 'm'));
  const state = JSON.parse((await d('inspect', name)).stdout)[0].State;
  assert.equal(state.Running, true);
  assert.ok(state.Pid > 0);

  const plain = await d('exec', name, 'sh', '-c', 'echo out; echo err >&2; exit 3');
  assert.deepEqual([plain.code, plain.stdout, plain.stderr], [3, 'out\n', 'err\n']);
  const stdin = await docker(engine, ['exec', '-i', id.slice(0, 10), 'sh', '-c', 'cat; echo done >&2'], 'hello\nworld\n');
  assert.deepEqual([stdin.code, stdin.stdout, stdin.stderr], [0, 'hello\nworld\n', 'done\n']);
  const signalled = await d('exec', name, 'sh', '-c', 'kill -9 $$');
  assert.equal(signalled.code, 137);
  const missing = await d('exec', name, 'no-such-command');
  assert.equal(missing.code, 126);
  assert.match(missing.stdout + missing.stderr, /executable file not found/);
  const big = await d('exec', name, 'sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done');
  assert.equal(big.stdout.split('\n').length, 20001);
  assert.equal(big.stdout.split('\n')[19999], 'line-19999');
  await d('rm', '-f', name);
});

test('errors as the CLI prints them: missing container, stopped container (409), running rm', { skip }, async () => {
  const missing = await d('exec', 'no-such-container', 'true');
  assert.deepEqual([missing.code, missing.stderr.trim()], [1, 'Error response from daemon: No such container: no-such-container']);
  const name = uniq('stopped');
  const id = (await d('run', '-d', '--name', name, 'busybox', 'true')).stdout.trim();
  assert.equal((await d('wait', name)).stdout.trim(), '0');
  const stopped = await d('exec', name, 'true');
  assert.deepEqual([stopped.code, stopped.stderr.trim()], [1, `Error response from daemon: container ${id} is not running`]);

  const running = uniq('running');
  await d('run', '-d', '--name', running, 'busybox', 'sleep', '1000');
  const rm = await d('rm', running);
  assert.equal(rm.code, 1);
  assert.match(rm.stderr, new RegExp(`cannot remove container "/${running}": container is running: stop the container before removing or force remove`));
  const taken = await d('create', '--name', running, 'busybox', 'true');
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, new RegExp(`Conflict\\. The container name "/${running}" is already in use by container "[0-9a-f]{64}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.`));
  const before = JSON.parse((await d('inspect', running)).stdout)[0].State;
  assert.equal((await d('restart', '-t', '0', running)).code, 0);
  const restarted = JSON.parse((await d('inspect', running)).stdout)[0].State;
  assert.equal(restarted.Running, true);
  assert.notEqual(restarted.Pid, before.Pid);
  // -t without a terminal on the CLI's side: the engine still gives the process one (the CLI only warns).
  const tty = await d('exec', '-t', running, 'sh', '-c', 'tty; exit 2');
  assert.equal(tty.code, 2);
  assert.match(tty.stdout, /^\/dev\/pts\/\d+\r\n$/);
  assert.equal((await d('rm', '-f', running)).code, 0);
  assert.equal((await d('rm', name)).code, 0);
  const gone = await d('inspect', name);
  assert.match(gone.stderr, new RegExp(`No such (container|object): ${name}`));
});

test('create, start, wait, logs (streams apart, --tail, -f until the container ends)', { skip }, async () => {
  const name = uniq('logger');
  const created = await d('create', '--name', name, 'busybox', 'sh', '-c', 'echo one; echo two >&2; echo three');
  assert.equal(created.code, 0, created.stderr);
  assert.equal(JSON.parse((await d('inspect', name)).stdout)[0].State.Status, 'created');
  await d('start', name);
  assert.equal((await d('wait', name)).stdout.trim(), '0');
  const logs = await d('logs', name);
  assert.deepEqual([logs.stdout, logs.stderr], ['one\nthree\n', 'two\n']);
  // --tail counts lines of both streams together, in the order they were logged (stdout and stderr are two pipes)
  const tail = await d('logs', '--tail', '1', name);
  assert.ok(['three\n', 'two\n'].includes(tail.stdout + tail.stderr), JSON.stringify(tail));
  const none = await d('logs', '--tail', '0', name);
  assert.equal(none.stdout + none.stderr, '');
  assert.match((await d('logs', '-t', name)).stdout, /^\d{4}-\d\d-\d\dT[0-9:.]+Z one$/m);

  const follower = uniq('follow');
  await d('run', '-d', '--name', follower, 'busybox', 'sh', '-c', 'echo first; while [ ! -e go ]; do sleep 0.05; done; echo second');
  const following = d('logs', '-f', follower);
  await waitFor(async () => (await d('logs', follower)).stdout === 'first\n', { what: 'the first line' });
  await d('exec', follower, 'touch', 'go');
  assert.equal((await following).stdout, 'first\nsecond\n');
  await d('rm', name, follower);
});

test('stop (stop signal, then SIGKILL after -t) and kill, with the exit codes they leave', { skip }, async () => {
  const name = uniq('stop');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  const stop = await d('stop', '-t', '1', name);
  assert.deepEqual([stop.code, stop.stdout.trim()], [0, name]);
  const state = JSON.parse((await d('inspect', name)).stdout)[0].State;
  assert.equal(state.Status, 'exited');
  // sleep as a host process dies of SIGTERM (143); as pid 1 of its namespace it ignores it and gets SIGKILL (137)
  assert.ok([137, 143].includes(state.ExitCode), String(state.ExitCode));
  assert.notEqual(state.FinishedAt, '0001-01-01T00:00:00Z');

  const killed = uniq('kill');
  await d('run', '-d', '--name', killed, 'busybox', 'sleep', '1000');
  const waiting = d('wait', killed);
  assert.equal((await d('kill', '-s', 'KILL', killed)).code, 0);
  assert.equal((await waiting).stdout.trim(), '137');
  const again = await d('kill', killed);
  assert.match(again.stderr, new RegExp(`Cannot kill container: ${killed}: container [0-9a-f]{64} is not running`));
  const bad = await d('kill', '-s', 'NOPE', name);
  assert.match(bad.stderr, new RegExp(`Cannot kill container: ${name}: Invalid signal: NOPE`));
  assert.match((await d('kill', 'no-such-container')).stderr, /Cannot kill container: no-such-container: No such container: no-such-container/);
  await d('rm', name, killed);
});

test('the API: versions too old, unknown routes, bad exec requests', { skip }, async () => {
  const old = await raw('GET', '/v1.12/version');
  assert.equal(old.status, 400);
  assert.equal(JSON.parse(old.body).message, 'client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version');
  const nope = await raw('GET', '/v1.47/no/such/route');
  assert.deepEqual([nope.status, JSON.parse(nope.body)], [404, { message: 'page not found' }]);
  const noCmd = await raw('POST', '/v1.47/containers/whatever/exec', { Cmd: [] });
  assert.deepEqual([noCmd.status, JSON.parse(noCmd.body)], [400, { message: 'No exec command specified' }]);
  const noExec = await raw('GET', '/exec/0123/json');
  assert.deepEqual([noExec.status, JSON.parse(noExec.body)], [404, { message: 'No such exec instance: 0123' }]);
  const resize = await raw('POST', '/exec/0123/resize?h=x&w=1');
  assert.equal(resize.status, 404);
  const badJSON = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: engine.socket, method: 'POST', path: '/v1.47/containers/create', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = ''; res.on('data', (c) => { text += c; }); res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end('{"Image": "busybox", ');
  });
  assert.equal(badJSON.status, 400);
  assert.match(JSON.parse(badJSON.body).message, /invalid JSON/);
  const badFilter = await raw('GET', `/containers/json?filters=${encodeURIComponent('{"colour":["red"]}')}`);
  assert.deepEqual([badFilter.status, JSON.parse(badFilter.body).message], [400, "invalid filter 'colour'"]);
  const traversal = await raw('GET', '/exec/..%2F..%2Fetc/json');
  assert.deepEqual([traversal.status, JSON.parse(traversal.body).message], [404, 'No such exec instance: ../../etc']);
  const badName = await raw('POST', '/containers/create?name=..%2Fx', { Image: 'busybox', Cmd: ['true'] });
  assert.equal(badName.status, 400);
  assert.equal((await raw('GET', '/_ping')).body, 'OK');
});

test('a client that stops reading, then disconnects, leaves the engine serving', { skip }, async () => {
  const name = uniq('flood');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  const exec = JSON.parse((await raw('POST', `/containers/${name}/exec`, { Cmd: ['sh', '-c', 'while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done'], AttachStdout: true, AttachStderr: true })).body);
  const sock = connect(engine.socket);
  sock.on('error', () => {});
  const body = '{"Detach":false,"Tty":false}';
  sock.write(`POST /v1.47/exec/${exec.Id}/start HTTP/1.1\r\nHost: engine\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  let head = '';
  await new Promise<void>((resolve) => sock.on('data', function onData(c: Buffer) {
    head += c.toString('latin1');
    if (head.includes('\r\n\r\n')) { sock.off('data', onData); sock.pause(); resolve(); }
  }));
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(head, /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
  // Not reading: the engine's writes back up, and the process blocks on its pipe. Then the client leaves.
  await waitFor(async () => JSON.parse((await raw('GET', `/exec/${exec.Id}/json`)).body).Running === true, { what: 'the exec to run' });
  sock.destroy();
  assert.equal((await raw('GET', '/_ping')).body, 'OK');
  const after = await d('exec', name, 'echo', 'still-here');
  assert.equal(after.stdout, 'still-here\n');
  // As under dockerd, the abandoned exec goes on (blocked on its full pipe) until its container stops.
  assert.equal(JSON.parse((await raw('GET', `/exec/${exec.Id}/json`)).body).Running, true);
  assert.equal((await d('stop', '-t', '0', name)).code, 0);
  await waitFor(async () => JSON.parse((await raw('GET', `/exec/${exec.Id}/json`)).body).Running === false, { what: 'the abandoned exec to end with its container' });
  await d('rm', name);
});

test('ps -a survives an engine killed hard: its containers are ended and marked exited', { skip }, async () => {
  const second = await startTestEngine({ name: 'docker-node-2' });
  try {
    await docker(second, ['pull', 'busybox']);
    const id = (await docker(second, ['run', '-d', '--name', 'survivor', 'busybox', 'sleep', '1000'])).stdout.trim();
    const pid = JSON.parse((await docker(second, ['inspect', id])).stdout)[0].State.Pid as number;
    const stateDir = second.stateDir;
    second.child.kill('SIGKILL');
    await new Promise((r) => second.child.once('exit', r));
    const third = await startTestEngine({ name: 'docker-node-2', stateDir });
    try {
      const ps = await docker(third, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
      assert.match(ps.stdout, /^survivor Exited \(255\) /m);
      await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, { what: `pid ${pid} to be gone` });
      assert.equal((await docker(third, ['start', 'survivor'])).code, 0);
      assert.equal((await docker(third, ['rm', '-f', 'survivor'])).code, 0);
    } finally { await third.stop(); }
  } finally {
    await second.stop('SIGKILL');
  }
});

test('run -i: stdin through attach, its end closes the container\'s stdin (StdinOnce); exec -d runs detached', { skip }, async () => {
  const r = await docker(engine, ['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo done >&2'], 'hello\nworld\n');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'hello\nworld\n', 'done\n']);
  const name = uniq('detach');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  assert.equal((await d('exec', '-d', name, 'sh', '-c', 'echo detached > marker')).code, 0);
  await waitFor(async () => (await d('exec', name, 'cat', 'marker')).stdout === 'detached\n', { what: 'the detached exec to write its file' });
  await d('rm', '-f', name);
});

test('exec start without Upgrade (200, raw-stream body), resize checks, a container with a terminal and its first size', { skip }, async () => {
  const name = uniq('raw');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  const exec = JSON.parse((await raw('POST', `/v1.47/containers/${name}/exec`, { Cmd: ['sh', '-c', 'echo plain; exit 4'], AttachStdout: true })).body);
  const resize = await raw('POST', `/exec/${exec.Id}/resize?h=abc&w=80`);
  assert.equal(resize.status, 400);
  assert.match(JSON.parse(resize.body).message, /invalid resize parameters/);
  const started = await raw('POST', `/v1.47/exec/${exec.Id}/start`, { Detach: false, Tty: false });
  assert.equal(started.status, 200);
  assert.equal(started.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
  assert.equal(started.body, '\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0006plain\n');
  const inspected = JSON.parse((await raw('GET', `/exec/${exec.Id}/json`)).body);
  assert.deepEqual([inspected.Running, inspected.ExitCode, inspected.ProcessConfig.entrypoint], [false, 4, 'sh']);
  const twice = await raw('POST', `/v1.47/exec/${exec.Id}/start`, { Detach: false, Tty: false });
  assert.match(twice.body, new RegExp(`Error: Exec command ${exec.Id} has already run`));
  const tty = await raw('POST', '/containers/create', { Image: 'busybox', Cmd: ['sh'], Tty: true, HostConfig: { ConsoleSize: [30, 100] } });
  assert.equal(tty.status, 201);
  const ttyId = JSON.parse(tty.body).Id as string;
  assert.deepEqual(JSON.parse((await raw('GET', `/containers/${ttyId}/json`)).body).HostConfig.ConsoleSize, [30, 100]);
  await d('rm', ttyId);
  await d('rm', '-f', name);
});

test('stopping a container ends the execs running in it', { skip }, async () => {
  const name = uniq('ends');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  const execing = d('exec', name, 'sleep', '1000');
  await waitFor(async () => JSON.parse((await d('inspect', name)).stdout)[0].ExecIDs?.length === 1, { what: 'the exec to run' });
  assert.equal((await d('stop', '-t', '0', name)).code, 0);
  const ended = await execing;
  assert.equal(ended.code, 137);
  await d('rm', name);
});

for (const how of ['SIGTERM', 'its lifeline closed (the supervisor died)'] as const) {
  test(`an engine stopped by ${how} takes its containers with it`, { skip }, async () => {
    const other = await startTestEngine({ name: 'docker-node-3' });
    let pid = 0;
    try {
      await docker(other, ['pull', 'busybox']);
      await docker(other, ['run', '-d', '--name', 'goner', 'busybox', 'sleep', '1000']);
      pid = JSON.parse((await docker(other, ['inspect', 'goner'])).stdout)[0].State.Pid;
      assert.ok(pid > 0);
      if (how !== 'SIGTERM') {
        other.cutLifeline();
        await waitFor(() => other.child.exitCode !== null, { what: 'the engine to exit' });
        assert.equal(other.child.exitCode, 0);
      }
    } finally {
      await other.stop('SIGTERM');
    }
    await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, { what: `container pid ${pid} to be gone` });
  });
}

test('events: what a run did, replayed between --since and --until', { skip }, async () => {
  const since = (Date.now() / 1000 - 1).toFixed(3);
  const name = uniq('events');
  await d('run', '--rm', '--name', name, 'busybox', 'true');
  const ev = await d('events', '--since', since, '--until', (Date.now() / 1000 + 0.5).toFixed(3), '--filter', `container=${name}`, '--format', '{{.Action}}');
  assert.equal(ev.code, 0, ev.stderr);
  assert.deepEqual(ev.stdout.trim().split('\n'), ['create', 'start', 'die', 'destroy']);
});

test('the socket: 0600, and a second engine on a live one is refused', { skip }, async () => {
  const { statSync } = await import('node:fs');
  assert.equal(statSync(engine.socket).mode & 0o777, 0o600);
  await assert.rejects(startTestEngine({ name: engine.name, stateDir: engine.stateDir }), /is in use by a running engine/);
  assert.equal((await raw('GET', '/_ping')).body, 'OK');
});

// A hijacked exec start by hand: the body and the first stdin bytes in one write, then a half-close; the whole
// reply (head and stream) read until the engine closes its side.
function hijackExec(execId: string, stdin: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect(engine.socket);
    const parts: Buffer[] = [];
    sock.on('data', (c) => parts.push(c));
    sock.on('error', reject);
    sock.on('end', () => { resolve(Buffer.concat(parts)); sock.end(); });
    const body = '{"Detach":false,"Tty":false}';
    sock.write(`POST /v1.47/exec/${execId}/start HTTP/1.1\r\nHost: engine\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}${stdin}`);
    sock.end(); // CloseWrite: the end of stdin
  });
}

test('exec over a raw hijack: stdin right after the body, its FIN ends stdin, and the exit code is there as the stream ends', { skip }, async () => {
  const name = uniq('hijack');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  for (let n = 0; n < 8; n++) {
    const exec = JSON.parse((await raw('POST', `/containers/${name}/exec`, { Cmd: ['sh', '-c', `cat; exit ${n}`], AttachStdin: true, AttachStdout: true, AttachStderr: true })).body);
    const reply = await hijackExec(exec.Id, `round ${n}\n`);
    // inspected at once, as the docker CLI does when it sees EOF
    const inspected = JSON.parse((await raw('GET', `/exec/${exec.Id}/json`)).body);
    assert.deepEqual([inspected.Running, inspected.ExitCode], [false, n]);
    const headEnd = reply.indexOf('\r\n\r\n');
    assert.match(reply.subarray(0, headEnd).toString(), /^HTTP\/1\.1 101 UPGRADED\r\n/);
    const payload = Buffer.from(`round ${n}\n`);
    const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, payload.length]), payload]);
    assert.equal(reply.subarray(headEnd + 4).toString('hex'), frame.toString('hex'));
  }
  await d('rm', '-f', name);
});

test('ten execs at once in one container: each its own output and exit code', { skip }, async () => {
  const name = uniq('many');
  await d('run', '-d', '--name', name, 'busybox', 'sleep', '1000');
  const results = await Promise.all(Array.from({ length: 10 }, (_, n) =>
    docker(engine, ['exec', '-i', name, 'sh', '-c', 'cat; echo "exec $1" >&2; exit $1', 'sh', String(n)], `input ${n}\n`)));
  results.forEach((r, n) => assert.deepEqual([r.code, r.stdout, r.stderr], [n, `input ${n}\n`, `exec ${n}\n`]));
  await d('rm', '-f', name);
});

test('ps filters (status, name, id), -n, and logs --since', { skip }, async () => {
  const done = uniq('done'), up = uniq('up');
  const doneId = (await d('run', '-d', '--name', done, 'busybox', 'echo', 'early')).stdout.trim();
  await d('wait', done);
  await d('run', '-d', '--name', up, 'busybox', 'sleep', '1000');
  const exited = (await d('ps', '--filter', 'status=exited', '--format', '{{.Names}}')).stdout.split('\n');
  assert.ok(exited.includes(done) && !exited.includes(up));
  assert.equal((await d('ps', '--filter', `name=${up}`, '--format', '{{.Names}}')).stdout, `${up}\n`);
  assert.equal((await d('ps', '-a', '--filter', `id=${doneId.slice(0, 8)}`, '--format', '{{.Names}}')).stdout, `${done}\n`);
  assert.equal((await d('ps', '-a', '-n', '1', '--format', '{{.Names}}')).stdout, `${up}\n`);
  const logged = Date.parse(JSON.parse((await d('inspect', done)).stdout)[0].State.FinishedAt) / 1000;
  assert.equal((await d('logs', '--since', String(logged - 60), done)).stdout, 'early\n');
  assert.equal((await d('logs', '--since', String(Math.ceil(logged) + 1), done)).stdout, '');
  await d('rm', '-f', done, up);
});
