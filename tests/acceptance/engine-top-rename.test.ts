// docker top and docker rename against the engine, with the real docker CLI, under each backend this machine has:
// top lists the container's processes and only them, with ps's own options and errors; rename moves the name and
// nothing else, with dockerd's refusals word for word.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCLI, docker, startTestEngine, type TestEngine } from '../fixtures/engine.ts';
import { namespaceSupport } from '../../src/engine/linux/support.ts';
import { waitFor } from '../../src/util/wait.ts';

const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
const support = namespaceSupport();

// `docker top`'s table: the CLI aligns the titles and fields with tabs into columns; the last column (CMD) may hold spaces.
function table(out: string): { titles: string[]; rows: string[][] } {
  const [head = '', ...lines] = out.trimEnd().split('\n');
  const titles = head.trim().split(/\s+/);
  const rows = lines.map((l) => {
    const f = l.trim().split(/\s+/);
    return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
  });
  return { titles, rows };
}

for (const isolation of ['namespaces', 'processes'] as const) {
  const skip = !dockerCLI ? 'the docker CLI is not installed'
    : isolation === 'namespaces' && !support.ok ? `no namespaces here: ${support.ok ? '' : support.reason}` : false;

  describe(`docker top and rename (--isolation=${isolation})`, { skip }, () => {
    let engine: TestEngine;
    const d = (...args: string[]) => docker(engine, args);

    before(async () => {
      engine = await startTestEngine({ args: [`--isolation=${isolation}`] });
      const pulled = await d('pull', 'busybox');
      assert.equal(pulled.code, 0, pulled.stderr);
    });
    after(async () => { await engine?.stop(); });

    test('top: the container\'s processes and only them; an exec\'s too; ps options; ps\'s own refusals', async (t) => {
      const name = uniq('top');
      const id = (await d('run', '-d', '--name', name, 'busybox', 'sh', '-c', 'sleep 1000 & wait')).stdout.trim();
      t.after(() => d('rm', '-f', name));
      const pid = String(JSON.parse((await d('inspect', name)).stdout)[0].State.Pid);
      // A process of the host, as like the container's as can be: top must leave it out.
      const outsider = spawn('sleep', ['1000'], { stdio: 'ignore' });
      t.after(() => outsider.kill('SIGKILL'));

      const both = await waitFor(async () => {
        const r = await d('top', name);
        assert.equal(r.code, 0, r.stderr);
        const tab = table(r.stdout);
        return tab.rows.length === 2 && tab;
      }, { timeoutMs: 20_000, what: 'the container\'s sleep to be listed' });
      assert.deepEqual(both.titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
      const main = both.rows.find((r) => r[1] === pid);
      assert.ok(main, `the main process, pid ${pid}, in ${JSON.stringify(both.rows)}`);
      assert.match(main[7]!, /^(\S*\/)?sh -c sleep 1000 & wait$/); // the host-process backend runs the image's sh by its path
      const sleeper = both.rows.find((r) => r[1] !== pid)!;
      assert.deepEqual([sleeper[2], sleeper[7]], [pid, 'sleep 1000']);
      assert.ok(!both.rows.some((r) => r[1] === String(outsider.pid)));

      // An exec's process is the container's (and not the tool that carried it in).
      assert.equal((await d('exec', '-d', name, 'sleep', '1003')).code, 0);
      const three = await waitFor(async () => { const tab = table((await d('top', name)).stdout); return tab.rows.length === 3 && tab; },
        { timeoutMs: 20_000, what: 'the exec to be listed' });
      const execRows = three.rows.filter((r) => r[7]!.includes('1003'));
      assert.equal(execRows.length, 1, JSON.stringify(three.rows));
      assert.match(execRows[0]![7]!, /^(\S*\/)?sleep 1003$/);

      // The client's ps options, each its own argument to ps.
      const o = await d('top', name, '-o', 'pid,comm');
      assert.equal(o.code, 0, o.stderr);
      const short = table(o.stdout);
      assert.deepEqual(short.titles, ['PID', 'COMMAND']);
      assert.deepEqual(short.rows.map((r) => r[1]).sort(), ['sh', 'sleep', 'sleep']);
      assert.ok(short.rows.some((r) => r[0] === pid && r[1] === 'sh'));
      // A forest listing cannot be combined with ps -q: ps runs again without it, and the rows are still filtered.
      const forest = await d('top', name, 'axf', '-o', 'pid,args');
      assert.equal(forest.code, 0, forest.stderr);
      assert.equal(table(forest.stdout).rows.length, 3);
      // ps's own words when it refuses (its first line on stderr), and the engine's refusal of a column renamed PID.

      const bogus = await d('top', name, '--bogus');
      assert.deepEqual([bogus.code, bogus.stderr.trim()], [1, 'Error response from daemon: ps: error: unknown gnu long option']);
      const renamedPid = await d('top', name, '-o', 'comm=PID');
      assert.deepEqual([renamedPid.code, renamedPid.stderr.trim()], [1, 'Error response from daemon: specifying "comm=PID" is not allowed']);
      const noPid = await d('top', name, '-o', 'comm');
      assert.deepEqual([noPid.code, noPid.stderr.trim()], [1, 'Error response from daemon: Couldn\'t find PID field in ps output']);

      assert.equal((await d('kill', name)).code, 0);
      assert.equal((await d('wait', name)).code, 0);
      const stopped = await d('top', name);
      assert.deepEqual([stopped.code, stopped.stderr.trim()], [1, `Error response from daemon: container ${id} is not running`]);
      const missing = await d('top', 'no-such-container');
      assert.deepEqual([missing.code, missing.stderr.trim()], [1, 'Error response from daemon: No such container: no-such-container']);
    });

    test('rename: the name moves, the container stays; refusals word for word; the event says the old name', async (t) => {
      const [a, b, other] = [uniq('a'), uniq('b'), uniq('other')];
      const since = Math.floor(Date.now() / 1000) - 1;
      const id = (await d('run', '-d', '--name', a, 'busybox', 'sleep', '1000')).stdout.trim();
      t.after(() => d('rm', '-f', id));
      const otherId = (await d('create', '--name', other, 'busybox', 'true')).stdout.trim();
      t.after(() => d('rm', '-f', otherId));

      const r = await d('rename', a, b);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      const names = (await d('ps', '--format', '{{.ID}} {{.Names}}')).stdout;
      assert.match(names, new RegExp(`^${id.slice(0, 12)} ${b}$`, 'm'));
      assert.doesNotMatch(names, new RegExp(`\\b${a}\\b`));
      const exec = await d('exec', b, 'echo', 'still here');
      assert.deepEqual([exec.code, exec.stdout], [0, 'still here\n']);
      assert.equal((await d('exec', b, 'true')).code, 0);
      assert.equal(JSON.parse((await d('inspect', b)).stdout)[0].Name, `/${b}`);
      // Kept on disk, for the next engine's `docker ps -a`.
      const saved = JSON.parse(readFileSync(join(engine.stateDir, engine.name, 'containers', id, 'config.v2.json'), 'utf8'));
      assert.equal(saved.Name, `/${b}`);
      const old = await d('exec', a, 'true');
      assert.deepEqual([old.code, old.stderr.trim()], [1, `Error response from daemon: No such container: ${a}`]);
      // The old name is free again.
      const reuse = await d('create', '--name', a, 'busybox', 'true');
      assert.equal(reuse.code, 0, reuse.stderr);
      t.after(() => d('rm', '-f', a));

      // The CLI adds a line of its own under the daemon's words.
      const refused = (why: string, ref: string) => [1, `Error response from daemon: ${why}\nError: failed to rename container named ${ref}`];
      const taken = await d('rename', b, other);
      assert.deepEqual([taken.code, taken.stderr.trim()], refused(`Error when allocating new name: Conflict. The container name "/${other}" is already in use by container "${otherId}". You have to remove (or rename) that container to be able to reuse that name.`, b));
      const invalid = await d('rename', b, 'no spaces!');
      assert.deepEqual([invalid.code, invalid.stderr.trim()], refused('Error when allocating new name: Invalid container name (/no spaces!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed', b));
      const same = await d('rename', b, b);
      assert.deepEqual([same.code, same.stderr.trim()], refused('Renaming a container with the same name as its current name', b));
      const missing = await d('rename', 'no-such-container', uniq('x'));
      assert.deepEqual([missing.code, missing.stderr.trim()], refused('No such container: no-such-container', 'no-such-container'));
      assert.match((await d('ps', '--format', '{{.Names}}')).stdout, new RegExp(`^${b}$`, 'm'));

      // A container that is not running is renamed the same way.
      const c = uniq('c');
      assert.equal((await d('rename', other, c)).code, 0);
      assert.match((await d('ps', '-a', '--filter', `id=${otherId}`, '--format', '{{.Names}}')).stdout, new RegExp(`^${c}$`, 'm'));

      const events = await d('events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1),
        '--filter', 'event=rename', '--format', '{{.Actor.Attributes.oldName}} {{.Actor.Attributes.name}}');
      assert.deepEqual(events.stdout.trim().split('\n'), [`/${a} ${b}`, `/${other} ${c}`]);
    });
  });
}
