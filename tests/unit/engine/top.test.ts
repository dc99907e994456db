// Unit tests for docker top's pure parts (moby daemon/top_unix.go): ps's output parsed and filtered by pid, the
// option refused, and how ps is run (argv, the -q retry, its error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePSOutput, top, validatePSArgs, type RunPs } from '../../../src/engine/top.ts';
import { EngineError } from '../../../src/engine/errors.ts';

const ps = [
  'UID          PID    PPID  C STIME TTY          TIME CMD',
  'root           1       0  0 12:54 ?        00:00:11 /sbin/init splash',
  'root         410       1  0 12:55 ?        00:00:00 sh -c sleep 1000 & wait',
  'root         411     410  0 12:55 ?        00:00:00 sleep 1000',
  '',
].join('\n');

test('parse: titles from the header, rows kept by pid, the last column joined with its spaces', () => {
  assert.deepEqual(parsePSOutput(ps, [410, 411]), {
    Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
    Processes: [
      ['root', '410', '1', '0', '12:55', '?', '00:00:00', 'sh -c sleep 1000 & wait'],
      ['root', '411', '410', '0', '12:55', '?', '00:00:00', 'sleep 1000'],
    ],
  });
  assert.deepEqual(parsePSOutput(ps, []).Processes, []);
});

test('parse: thread rows ("-" for PID) follow the process above them, in the container or not', () => {
  const threads = ['USER PID TID CMD', 'root 1 - init', 'root - 1 -', 'app 7 - server', 'app - 7 -', 'app - 8 -'].join('\n');
  assert.deepEqual(parsePSOutput(threads, [7]).Processes, [['app', '7', '-', 'server'], ['app', '-', '7', '-'], ['app', '-', '8', '-']]);
});

test('parse: only ASCII whitespace separates fields (a command may hold other spaces)', () => {
  const out = 'PID CMD\n5 echo a\u00a0b  c\n';
  assert.deepEqual(parsePSOutput(out, [5]).Processes, [['5', 'echo a\u00a0b c']]);
});

test('parse: no PID column, or a PID that is not a number, is an error in upstream\'s words', () => {
  assert.throws(() => parsePSOutput('COMMAND\nsh\n', [1]), { message: 'Couldn\'t find PID field in ps output' });
  assert.throws(() => parsePSOutput('PID CMD\nabc sh\n', [1]), { message: 'Unexpected pid \'abc\': strconv.Atoi: parsing "abc": invalid syntax' });
});

test('ps args: another column renamed PID is refused; pid=PID and plain options pass', () => {
  assert.throws(() => validatePSArgs('-o comm=PID'), { message: 'specifying "comm=PID" is not allowed' });
  assert.throws(() => validatePSArgs('-o pid,user= PIDX'), { message: 'specifying "pid,user=PIDX" is not allowed' }); // the key is all before '='
  for (const ok of ['-ef', '-o pid=PID', 'aux', '-o pid,comm', '-o comm=CMD']) assert.doesNotThrow(() => validatePSArgs(ok));
});

test('top: options split on single spaces, each one argv element, the pids as -q; no shell anywhere', async () => {
  const calls: string[][] = [];
  const run: RunPs = async (argv) => { calls.push(argv); return { ok: true, stdout: ps }; };
  const got = await top([410, 411], '-o pid,comm;rm -rf /', run);
  assert.deepEqual(calls, [['-o', 'pid,comm;rm', '-rf', '/', '-q410,411']]);
  assert.equal(got.Processes.length, 2);
});

test('top: ps refusing -q (forest listings) runs again without it; a second failure is ps\'s first line, 500', async () => {
  const calls: string[][] = [];
  const retry: RunPs = async (argv) => { calls.push(argv); return argv.some((a) => a.startsWith('-q')) ? { ok: false, why: 'q/-q/--quick-pid cannot be used together with forest type listings.' } : { ok: true, stdout: ps }; };
  assert.equal((await top([411], 'auxf', retry)).Processes.length, 1);
  assert.deepEqual(calls, [['auxf', '-q411'], ['auxf']]);
  const fail: RunPs = async () => ({ ok: false, why: 'error: unknown gnu long option' });
  await assert.rejects(top([1], '--bogus', fail), (err: unknown) => err instanceof EngineError && err.statusCode === 500 && err.message === 'ps: error: unknown gnu long option');
});

test('top with the real ps: this process found by its pid, and nothing else', async () => {
  const got = await top([process.pid], '-o pid,comm');
  assert.deepEqual(got.Titles, ['PID', 'COMMAND']);
  assert.deepEqual(got.Processes, [[String(process.pid), 'node']]);
});
