// Unit tests for src/workbook/book/console.ts: commands, continuations, expected output, no-output blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractConsoleBlocks, parseConsole } from '../../../../src/workbook/book/console.ts';

test('commands and their expected output, up to the next "$ "', () => {
  const cmds = parseConsole('$ kubectl get po\nNAME    READY\nnginx   1/1\n\n$ echo hi\nhi\n');
  assert.deepEqual(cmds, [
    { command: 'kubectl get po', expected: 'NAME    READY\nnginx   1/1\n', line: 1 },
    { command: 'echo hi', expected: 'hi\n', line: 5 },
  ]);
});

test('a trailing backslash continues the command; a "> " prompt is dropped', () => {
  const cmds = parseConsole('$ kubectl exec web \\\n> -- date\nout\n$ a \\\n  b\n');
  assert.equal(cmds[0]!.command, 'kubectl exec web \\\n-- date');
  assert.equal(cmds[0]!.expected, 'out\n');
  assert.equal(cmds[1]!.command, 'a \\\n  b');
  assert.equal(cmds[1]!.expected, '');
});

test('a block that does not start with a command is an error naming the line', () => {
  assert.throws(() => parseConsole('output\n$ x\n', 10), /line 10: a console block must start with a "\$ " command/);
});

test('only console blocks are extracted, with their no-output flag and chapter lines', () => {
  const md = '# T\n```sh\n$ npm run chapter 1\n```\n```console\n$ echo a\na\n```\n```console no-output\n$ date\n```\n';
  const blocks = extractConsoleBlocks(md);
  assert.equal(blocks.length, 2);
  assert.deepEqual(blocks[0], { line: 5, noOutput: false, commands: [{ command: 'echo a', expected: 'a\n', line: 6 }] });
  assert.equal(blocks[1]!.noOutput, true);
  assert.equal(blocks[1]!.commands[0]!.line, 10);
});
