// Unit tests for src/workbook/book/transcripts.ts: running console blocks in bash and judging their output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConsole } from '../../../../src/workbook/book/console.ts';
import { runShellCommand, runConsoleBlock, usesRealKubectl } from '../../../../src/workbook/book/transcripts.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'ike-transcripts-'));
test.after(() => rmSync(stateDir, { recursive: true, force: true }));
const cp = { env: { ...process.env, GREETING: 'hi' }, stateDir };
const block = (body: string, noOutput = false) => ({ line: 1, noOutput, commands: parseConsole(body) });

test('stdout and stderr arrive interleaved as a terminal shows them', async () => {
  const r = await runShellCommand('echo one; echo two >&2; echo three', { cwd: stateDir, env: process.env });
  assert.equal(r.output, 'one\ntwo\nthree\n');
  assert.equal(r.exitCode, 0);
});

test('the exit code and the checkpoint env reach the result', async () => {
  const [r] = await runConsoleBlock(block('$ echo $GREETING; exit 3\nhi\n'), cp, stateDir);
  assert.equal(r!.run.exitCode, 3);
  assert.ok(r!.ok, r!.problem);
});

test('volatile output is normalised on both sides before comparing', async () => {
  const [r] = await runConsoleBlock(block(`$ echo "nginx   1/1   12s   ${stateDir}/x.sock"\nnginx      1/1   5s    <state>/x.sock\n`), cp, stateDir);
  assert.ok(r!.ok, r!.problem);
});

test('a difference is reported with the line, the command and a diff', async () => {
  const [r] = await runConsoleBlock({ line: 1, noOutput: false, commands: [{ command: 'echo b', expected: 'a\n', line: 7 }] }, cp, stateDir);
  assert.equal(r!.ok, false);
  assert.match(r!.problem!, /^line 7: \$ echo b\noutput differs/);
  assert.match(r!.problem!, /- a\n\+ b/);
});

test('no-output blocks check only the exit status', async () => {
  const [good, bad] = await runConsoleBlock(block('$ date\n$ false\n', true), cp, stateDir);
  assert.ok(good!.ok);
  assert.equal(bad!.ok, false);
  assert.match(bad!.problem!, /exited with 1/);
});

test('a command that hangs is killed at its deadline, children included', async () => {
  const r = await runShellCommand('sleep 30 & wait', { cwd: stateDir, env: process.env, timeoutMs: 200 });
  assert.equal(r.timedOut, true);
});

test('real kubectl is told apart from ours', () => {
  assert.ok(usesRealKubectl('kubectl get po'));
  assert.ok(usesRealKubectl('echo hi | kubectl exec -i web -- cat'));
  assert.ok(usesRealKubectl('KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false kubectl exec web -- date'));
  assert.ok(!usesRealKubectl('npm run -s kubectl -- get po'));
});

test('runChapterCommands names an unknown chapter', async () => {
  const { runChapterCommands } = await import('../../../../src/workbook/book/transcripts.ts');
  await assert.rejects(runChapterCommands('no-such-chapter', cp), /no chapter "no-such-chapter" in book.config.ts/);
});
