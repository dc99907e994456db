// Command-line parsing: global flags anywhere, shorthands, "--", and cobra's error words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../../src/kubectl/args.ts';
import { UsageError, formatError } from '../../../src/kubectl/errors.ts';

test('global flags before and after the command; every value form', () => {
  const p = parseArgs(['-n', 'team', 'get', 'po', '--kubeconfig=/k', '-v=6', '--context', 'ctx', 'nginx']);
  assert.equal(p.command, 'get');
  assert.deepEqual(p.positionals, ['po', 'nginx']);
  assert.equal(p.flags.namespace, 'team');
  assert.equal(p.flags.kubeconfig, '/k');
  assert.equal(p.flags.v, 6);
  assert.equal(p.flags.context, 'ctx');
  assert.equal(parseArgs(['get', 'po', '-v', '8']).flags.v, 8);
  assert.equal(parseArgs(['get', 'po', '-v7']).flags.v, 7);
  assert.equal(parseArgs(['get', 'po', '--v=6']).flags.v, 6);
  assert.equal(parseArgs(['get', 'po', '-nkube-system']).flags.namespace, 'kube-system');
  assert.equal(parseArgs(['get', 'po', '--namespace=x']).flags.namespace, 'x');
  assert.equal(parseArgs(['version']).flags.v, 0);
});

test('get flags: -o, -w, -l, -A, --field-selector', () => {
  const p = parseArgs(['get', 'pods', '-o', 'wide', '-w', '-l', 'run=web,tier!=db', '-A', '--field-selector=status.phase=Running']);
  assert.equal(p.flags.output, 'wide');
  assert.equal(p.flags.watch, true);
  assert.equal(p.flags.selector, 'run=web,tier!=db');
  assert.equal(p.flags['all-namespaces'], true);
  assert.equal(p.flags['field-selector'], 'status.phase=Running');
  assert.equal(parseArgs(['get', 'po', '-owide']).flags.output, 'wide');
  assert.equal(parseArgs(['get', 'po', '--watch=false']).flags.watch, false);
});

test('exec: combined shorthands, -c, and everything after -- is the command, flags included', () => {
  const p = parseArgs(['exec', '-it', 'web', '-c', 'app', '--', 'sh', '-c', 'ls -l', '-n', 'x']);
  assert.equal(p.flags.stdin, true);
  assert.equal(p.flags.tty, true);
  assert.equal(p.flags.container, 'app');
  assert.deepEqual(p.positionals, ['web']);
  assert.deepEqual(p.dashArgs, ['sh', '-c', 'ls -l', '-n', 'x']);
  assert.equal(p.flags.namespace, undefined);
  assert.equal(parseArgs(['exec', 'web']).dashArgs, undefined);
});

test('run: repeated --env, --labels, --restart, -- args', () => {
  const p = parseArgs(['run', 'web', '--image=nginx', '--env=A=1', '--env', 'B=2', '--labels=a=b', '--restart=Never', '--port=80', '--', 'sleep', '10']);
  assert.deepEqual(p.flags.env, ['A=1', 'B=2']);
  assert.equal(p.flags.labels, 'a=b');
  assert.equal(p.flags.restart, 'Never');
  assert.deepEqual(p.dashArgs, ['sleep', '10']);
  assert.equal(parseArgs(['delete', 'pod', 'x']).flags.wait, true);
});

test('cobra errors and their words', () => {
  const check = (argv: string[], text: string) => {
    const err = (() => { try { parseArgs(argv); } catch (e) { return e; } return undefined; })();
    assert.ok(err instanceof UsageError, `${argv.join(' ')} should fail`);
    assert.equal(formatError(err).text, text);
    assert.equal(formatError(err).exitCode, 1);
  };
  check(['get', 'po', '--bogus'], "Error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n");
  check(['get', 'po', '-x'], "Error: unknown shorthand flag: 'x' in -x\nSee 'kubectl get --help' for usage.\n");
  check(['frob'], 'Error: unknown command "frob" for "kubectl"\n');
  check(['run', 'x', '--image'], "Error: flag needs an argument: --image\nSee 'kubectl run --help' for usage.\n");
  check(['get', 'po', '-v=x'], 'Error: invalid argument "x" for "-v, --v" flag: strconv.ParseInt: parsing "x": invalid syntax\nSee \'kubectl get --help\' for usage.\n');
  // A command's own flag is unknown to another command.
  check(['get', 'po', '--image=x'], "Error: unknown flag: --image\nSee 'kubectl get --help' for usage.\n");
});
