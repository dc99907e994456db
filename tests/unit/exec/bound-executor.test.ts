// ContainerBoundExecutor: a session ends when its container stops or its client leaves, and leaves no
// listener behind on the container's long-lived signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ContainerBoundExecutor } from '../../../src/exec/bound-executor.ts';
import { LocalExecutor } from '../../../src/exec/local.ts';
import { waitFor } from '../../../src/util/wait.ts';

const LOOP = ['sh', '-c', 'while :; do echo x; sleep 0.1; done'];

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'bound-executor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const container = new AbortController();
  const executor = new ContainerBoundExecutor(new LocalExecutor(), () => container.signal);
  const run = (client = new AbortController()) => {
    const stdout = new PassThrough();
    let n = 0;
    stdout.on('data', (c: Buffer) => { n += c.toString().split('\n').length - 1; });
    const result = executor.execInContainer({ container: dir, cmd: LOOP }, { stdout, tty: false }, client.signal);
    return { result, lines: () => n, client };
  };
  return { container, run };
}

test('the container stops: every session in it ends, killed (137)', async (t) => {
  const { container, run } = setup(t);
  const a = run(), b = run();
  await waitFor(() => a.lines() >= 2 && b.lines() >= 2, { timeoutMs: 10_000, what: 'output' });
  container.abort();
  assert.deepEqual((await a.result).exitCode, 137);
  assert.deepEqual((await b.result).exitCode, 137);
});

test('the client leaves: that session ends, and no listener stays on the container\'s signal', async (t) => {
  const { container, run } = setup(t);
  const a = run();
  await waitFor(() => a.lines() >= 2, { timeoutMs: 10_000, what: 'output' });
  assert.equal(getEventListeners(container.signal, 'abort').length, 1);
  a.client.abort();
  assert.equal((await a.result).signal, 'SIGKILL');
  assert.equal(getEventListeners(container.signal, 'abort').length, 0);
});

test('many sessions at once on one container: no MaxListenersExceededWarning (one listener each is the design)', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const container = new AbortController();
    const executor = new ContainerBoundExecutor({ execInContainer: () => new Promise(() => {}) }, () => container.signal);
    for (let i = 0; i < 20; i++) void executor.execInContainer({ container: '/', cmd: ['x'] }, { tty: false }, new AbortController().signal);
    assert.equal(getEventListeners(container.signal, 'abort').length, 20);
    // Node emits the warning on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
  } finally { process.off('warning', onWarning); }
});
