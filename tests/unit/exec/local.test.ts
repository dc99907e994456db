// Unit tests for LocalExecutor: exit codes and signals, separate streams, stdin EOF, runtime-like errors, group kill, backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { createHash, randomUUID } from 'node:crypto';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { ExecError } from '../../../src/exec/executor.ts';
import { waitFor } from '../../../src/util/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'local-exec-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const executor = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, hop: 'test' });

function collector() {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { chunks.push(chunk); cb(); } });
  return { stream, text: () => Buffer.concat(chunks).toString(), bytes: () => Buffer.concat(chunks) };
}

async function run(cmd: string[], stdin?: string) {
  const out = collector(), err = collector();
  let input: PassThrough | undefined;
  if (stdin !== undefined) { input = new PassThrough(); input.end(stdin); }
  const result = await executor.execInContainer({ container: dir, cmd }, { stdin: input, stdout: out.stream, stderr: err.stream, tty: false }, new AbortController().signal);
  return { ...result, stdout: out.text(), stderr: err.text() };
}

// Processes whose command line contains the marker, from /proc (no shell tools needed).
function pidsWith(marker: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker); } catch { return false; }
  }).map(Number);
}

test('exact exit codes, stdout and stderr apart, cwd is the container folder', async () => {
  for (const code of [0, 1, 42, 255]) {
    const r = await run(['sh', '-c', `echo out; echo err >&2; pwd; exit ${code}`]);
    assert.equal(r.exitCode, code);
    assert.equal(r.stdout, `out\n${dir}\n`);
    assert.equal(r.stderr, 'err\n');
  }
});

test('a signal becomes 128+n, as a shell reports it', async () => {
  const r = await run(['sh', '-c', 'kill -KILL $$']);
  assert.equal(r.exitCode, 137);
  assert.equal(r.signal, 'SIGKILL');
});

test('stdin reaches the process and its EOF ends cat', async () => {
  const r = await run(['cat'], 'hello\nworld\n');
  assert.deepEqual([r.exitCode, r.stdout], [0, 'hello\nworld\n']);
});

test('a process that ignores its stdin does not fail the exec', async () => {
  const r = await run(['true'], 'x'.repeat(1 << 20));
  assert.equal(r.exitCode, 0);
});

test('binary output is byte-exact', async () => {
  const out = collector();
  await executor.execInContainer({ container: dir, cmd: ['head', '-c', '3000000', '/dev/urandom'] }, { stdout: out.stream, tty: false }, new AbortController().signal);
  assert.equal(out.bytes().length, 3_000_000);
});

test("a command that does not exist: the runtime's words, as an ExecError", async () => {
  await assert.rejects(run(['no-such-command-xyz']), (err: Error) => err instanceof ExecError && err.message === 'test: exec: "no-such-command-xyz": executable file not found in $PATH');
  await assert.rejects(run(['/nope/x']), /exec: "\/nope\/x": stat \/nope\/x: no such file or directory/);
  await assert.rejects(executor.execInContainer({ container: join(dir, 'missing'), cmd: ['true'] }, { tty: false }, new AbortController().signal), /container folder .* does not exist/);
  await assert.rejects(executor.execInContainer({ container: dir, cmd: [] }, { tty: false }, new AbortController().signal), /no command given/);
});

test('abort kills the whole process group, grandchildren included, and resolves once it is gone', async (t) => {
  const marker = `marker-${randomUUID()}`;
  const n = String(100000 + Math.floor(Math.random() * 800000)); // a sleep no other test runs
  const ac = new AbortController();
  t.after(() => ac.abort());
  const out = collector();
  const done = executor.execInContainer({ container: dir, cmd: ['sh', '-c', `sleep ${n} & echo started; exec sleep 1001 # ${marker}`] }, { stdout: out.stream, tty: false }, ac.signal);
  await waitFor(() => out.text().includes('started'), { what: 'started' });
  await waitFor(() => pidsWith(`sleep ${n}`).length > 0 || undefined, { what: 'grandchild' });
  const grandchildren = pidsWith(`sleep ${n}`);
  ac.abort();
  const r = await done;
  assert.equal(r.exitCode, 137);
  await waitFor(() => pidsWith(marker).length === 0 && grandchildren.every((p) => !pidsWith(`sleep ${n}`).includes(p)), { what: 'process group gone', timeoutMs: 5000 });
});

test('backpressure: a stalled reader blocks the process in its write instead of buffering', async (t) => {
  const marker = `bp-${randomUUID()}`;
  let received = 0;
  let release: (() => void) | undefined;
  const stalled = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      if (received > 1 << 20) release = cb; else cb(); // stop after 1 MiB
    },
  });
  const ac = new AbortController();
  t.after(() => { ac.abort(); release?.(); });
  const done = executor.execInContainer({ container: dir, cmd: ['sh', '-c', `head -c 200000000 /dev/zero; : ${marker}`] }, { stdout: stalled, tty: false }, ac.signal);
  // head (a child of the marked sh) ends up asleep writing to a full pipe (libuv's stdio is a socketpair).
  await waitFor(() => {
    const head = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).find((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'head\0-c\x00200000000\0/dev/zero\0'; } catch { return false; }
    });
    return head !== undefined && /pipe_write|sock_alloc_send|wait_for_space/.test(readFileSync(`/proc/${head}/wchan`, 'utf8'));
  }, { what: 'head blocked writing its stdout' });
  assert.ok(received < 4 << 20, `received ${received} bytes: output was buffered, not paused`);
  ac.abort();
  release?.();
  await done;
  await waitFor(() => pidsWith(marker).length === 0, { what: 'gone' });
});

test('sha256 of 12 MB through the executor matches', async () => {
  const hash = createHash('sha256');
  const sink = new Writable({ write(chunk, _e, cb) { hash.update(chunk); cb(); } });
  const r = await executor.execInContainer({ container: dir, cmd: ['sh', '-c', 'head -c 12000000 /dev/urandom | tee blob'] }, { stdout: sink, tty: false }, new AbortController().signal);
  assert.equal(r.exitCode, 0);
  assert.equal(hash.digest('hex'), createHash('sha256').update(readFileSync(join(dir, 'blob'))).digest('hex'));
});

// Regression (issue 10): the abort listener was added only after the awaits that follow spawn, so a client that
// left in between (1,000 sessions cut at once orphaned ~170 `sleep 20`) left its command running. The abort here
// comes at the last of those moments: when the executor reports the new process.
test('a client gone while the command is being started: the command is killed as soon as it exists', async () => {
  const ac = new AbortController();
  const out = collector();
  const executor = new LocalExecutor({ track: () => ac.abort(new Error('client disconnected')) });
  const result = await executor.execInContainer({ container: dir, cmd: ['sleep', '30'] }, { stdout: out.stream, tty: false }, ac.signal);
  assert.deepEqual(result, { exitCode: 137, signal: 'SIGKILL' });
});
