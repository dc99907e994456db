// Unit tests for the pty executor (exec/pty.ts) through LocalExecutor and ProcessExecutor: a real terminal, the first
// size and resizes, merged output, exit codes and signals, Ctrl-C and Ctrl-D as bytes, no output lost to a slow reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { randomInt } from 'node:crypto';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { ProcessExecutor } from '../../../src/shim/process-executor.ts';
import type { Executor, TerminalSize } from '../../../src/exec/executor.ts';
import { ExecError } from '../../../src/exec/executor.ts';
import { waitFor } from '../../../src/util/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'pty-exec-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const executors: [string, Executor][] = [
  ['LocalExecutor', new LocalExecutor({ env, hop: 'test' })],
  ['ProcessExecutor', new ProcessExecutor(() => ({ cwd: dir, env }), 'test')],
];

// A resize queue as the session hands it to executors: push sizes, end it when the session is over.
function sizes() {
  const queue: TerminalSize[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    push(s: TerminalSize) { queue.push(s); wake?.(); },
    end() { ended = true; wake?.(); },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length) { yield queue.shift()!; continue; }
        if (ended) return;
        await new Promise<void>((r) => { wake = r; });
      }
    },
  };
}

function output(slow = false) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk, _e, cb) { chunks.push(chunk); if (slow) setTimeout(cb, 2); else cb(); },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('latin1') };
}

const pidsWith = (marker: string) => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker); } catch { return false; }
}).map(Number);

for (const [name, executor] of executors) {
  const container = name === 'LocalExecutor' ? dir : 'c1';

  test(`${name}: a tty session runs on /dev/pts/N at the first size, stderr merged, exit code exact`, async () => {
    const out = output();
    const resize = sizes();
    resize.push({ width: 123, height: 45 });
    const r = await executor.execInContainer({ container, cmd: ['sh', '-c', 'tty; stty size; echo to-err >&2; exit 3'] },
      { stdout: out.stream, tty: true, resize }, new AbortController().signal);
    resize.end();
    assert.equal(r.exitCode, 3);
    assert.match(out.text(), /^\/dev\/pts\/\d+\r\n45 123\r\nto-err\r\n$/);
  });

  test(`${name}: a resize reaches the program (SIGWINCH, then the new size)`, async () => {
    const out = output();
    const stdin = new PassThrough();
    const resize = sizes();
    const done = executor.execInContainer({ container, cmd: ['sh', '-c', 'trap "stty size; exit 0" WINCH; echo ready; while :; do sleep 0.05; done'] },
      { stdin, stdout: out.stream, tty: true, resize }, new AbortController().signal);
    await waitFor(() => out.text().includes('ready'), { what: 'the shell to start' });
    resize.push({ width: 77, height: 11 });
    const r = await done;
    resize.end();
    assert.equal(r.exitCode, 0);
    assert.match(out.text(), /11 77\r\n$/);
  });

  test(`${name}: Ctrl-C is a SIGINT to the foreground program, the shell lives on; Ctrl-D ends the shell`, async () => {
    const out = output();
    const stdin = new PassThrough();
    const done = executor.execInContainer({ container, cmd: ['sh', '-i'] }, { stdin, stdout: out.stream, tty: true }, new AbortController().signal);
    const marker = `sleep ${randomInt(100000, 999999)}`;
    stdin.write(`${marker}\n`);
    await waitFor(() => pidsWith(marker).length > 0, { what: `${marker} to start` });
    stdin.write('\x03');
    await waitFor(() => pidsWith(marker).length === 0, { what: `${marker} to be interrupted` });
    stdin.write('echo $((6*7))\n');
    await waitFor(() => /\r\n42\r\n/.test(out.text()), { what: 'the shell to answer' });
    stdin.write('\x04');
    assert.equal((await done).exitCode, 0);
  });

  test(`${name}: a reader slower than the program loses nothing of its last output`, async () => {
    const out = output(true);
    const r = await executor.execInContainer({ container, cmd: ['sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" a; echo END'] },
      { stdout: out.stream, tty: true }, new AbortController().signal);
    assert.equal(r.exitCode, 0);
    const text = out.text();
    assert.equal(text.length, 200000 + 'END\r\n'.length);
    assert.ok(text.endsWith('aEND\r\n'));
  });

  test(`${name}: aborting kills the session's processes and reports SIGKILL (137)`, async () => {
    const marker = `sleep ${randomInt(100000, 999999)}`;
    const ac = new AbortController();
    const out = output();
    // A job in a process group of its own (as an interactive shell runs each), in the terminal's session.
    const done = executor.execInContainer({ container, cmd: ['sh', '-c', `set -m; ${marker} & ${marker}; true`] }, { stdout: out.stream, tty: true }, ac.signal);
    await waitFor(() => pidsWith(marker).length >= 2, { what: `${marker} to start` });
    ac.abort();
    const r = await done;
    assert.deepEqual([r.exitCode, r.signal], [137, 'SIGKILL']);
    await waitFor(() => pidsWith(marker).length === 0, { what: `${marker} to be gone` });
  });

  test(`${name}: a missing command is an ExecError in the runtime's words, not output`, async () => {
    await assert.rejects(executor.execInContainer({ container, cmd: ['no-such-cmd-x'] }, { stdout: output().stream, tty: true }, new AbortController().signal),
      (e: unknown) => e instanceof ExecError && /exec: "no-such-cmd-x": executable file not found in \$PATH/.test(e.message));
  });
}
