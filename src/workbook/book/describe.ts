// describeChapterCommands(slug): registers node:test tests, one per ```console block of a chapter, run in order
// against one checkpoint started for the chapter, then (thenSteps) its `npm run steps` twice on that checkpoint.
// For acceptance suites and tests/book/commands.test.ts. (Ours.)
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import chapters from '../../../book.config.ts';
import { startCheckpoint, repoRoot, type RunningCheckpoint } from '../checkpoint.ts';
import { extractConsoleBlocks } from './console.ts';
import { chapterMarkdown, runConsoleBlock, usesRealKubectl, usesDocker } from './transcripts.ts';
import { chapterPath, checkpointOwner } from './chapters.ts';

export function hasCommand(name: string): Promise<boolean> {
  return new Promise((resolve) => execFile('which', [name], (err) => resolve(!err)));
}

export interface DescribeOptions {
  // What the suite is called; default "chapter N (slug): its console blocks".
  title?: string;
  // Then `npm run steps N` twice on the same checkpoint, as a reader who follows the chapter and walks it again:
  // every step must pass, from whatever the chapter's commands and the first walk left.
  thenSteps?: boolean;
}

// `npm run steps <slug>` against a running checkpoint (its KUBECONFIG): the exit code and everything it printed.
// A test that is cancelled (its signal aborts) ends the walk with it.
function runSteps(slug: string, cp: RunningCheckpoint, signal: AbortSignal): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/steps.ts'), slug], { cwd: repoRoot, env: cp.env, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c; });
    child.stderr.on('data', (c: Buffer) => { output += c; });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

export function describeChapterCommands(slug: string, opts: DescribeOptions = {}): void {
  const chapter = chapters.find((c) => c.slug === slug);
  if (!chapter) throw new Error(`describeChapterCommands: no chapter "${slug}" in book.config.ts`);
  const title = opts.title ?? `chapter ${chapter.number} (${slug}): its console blocks`;
  const md = chapterMarkdown(chapter, repoRoot);
  const owner = checkpointOwner(chapter, chapters);
  const blocks = md === undefined ? [] : extractConsoleBlocks(md);

  // One block after another (each may rely on what the previous one did), even inside a suite that runs chapters at once.
  describe(title, { concurrency: 1 }, () => {
    if (md === undefined) { test(`${chapterPath(chapter)} exists`, (t) => t.skip(`${chapterPath(chapter)} is not written yet`)); return; }
    if (!owner) { test('its checkpoint exists', (t) => t.skip(`checkpoint of "${slug}" is not in book.config.ts yet`)); return; }
    if (blocks.length === 0) return;

    let cp: RunningCheckpoint | undefined;
    let startError: unknown;
    const tools = new Map<string, boolean>();
    before(async () => {
      tools.set('kubectl', await hasCommand('kubectl'));
      tools.set('docker', await hasCommand('docker'));
      try { cp = await startCheckpoint(owner.slug); } catch (err) { startError = err; }
    });
    after(async () => { await cp?.stop(); });

    for (const block of blocks) {
      const first = block.commands[0]?.command.split('\n')[0] ?? '';
      test(`line ${block.line}: $ ${first}${block.commands.length > 1 ? ` (+${block.commands.length - 1})` : ''}`, async (t) => {
        const all = block.commands.map((c) => c.command).join('\n');
        for (const [tool, needed] of [['kubectl', usesRealKubectl(all)], ['docker', usesDocker(all)]] as const) {
          if (needed && !tools.get(tool)) { t.skip(`the real ${tool} is not on PATH (run npm run doctor)`); return; }
        }
        if (!cp) throw startError;
        const results = await runConsoleBlock(block, cp, repoRoot);
        const failed = results.filter((r) => !r.ok).map((r) => r.problem);
        assert.equal(failed.length, 0, `${chapterPath(chapter)}:\n${failed.join('\n\n')}`);
      });
    }

    if (!opts.thenSteps || !existsSync(join(repoRoot, chapter.steps ?? `scripts/steps/${slug}.ts`))) return;
    for (const when of ['after the chapter\'s commands', 'a second time']) {
      test(`npm run steps ${chapter.number} ${when}: every step passes`, async (t) => {
        if (!tools.get('kubectl')) { t.skip('the real kubectl is not on PATH (run npm run doctor)'); return; }
        if (!cp) throw startError;
        const r = await runSteps(slug, cp, t.signal);
        assert.equal(r.code, 0, `npm run steps ${chapter.number} exited ${r.code}:\n${r.output.split('\n').slice(-60).join('\n')}\n--- checkpoint log ---\n${cp.logs().slice(-30).join('\n')}`);
        assert.doesNotMatch(r.output, /steps: failed/);
      });
    }
  });
}
