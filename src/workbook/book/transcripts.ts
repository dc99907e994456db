// Runs a chapter's ```console blocks against a running checkpoint and compares what bash prints with what the
// chapter shows, after normalising volatile parts. (Ours: the book's guarantee that its commands still work.)
//
// How chapter authors write commands (see also src/README.md, "The book's conventions"):
//   - each `$ ` line runs in its own `bash -c`, cwd = the repository root, env = the checkpoint's (KUBECONFIG and
//     a fresh KUBECACHEDIR set), stdin empty, stdout and stderr merged as a terminal shows them;
//   - `kubectl` is the REAL kubectl; ours is `npm run -s kubectl -- ...` (-s, so npm prints no banner);
//   - nothing carries from one command to the next (no `cd`, no `export`): write each command whole;
//   - expected output may use the placeholders normalize() produces (<age>, <time>, <port>, <uid>, <rv>, <token>,
//     <state>) or real values; a line `...` stands for any number of lines;
//   - the exit status is not compared for blocks with output (show it with `; echo $?` if it matters);
//     ```console no-output blocks must exit 0.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import chapters from '../../../book.config.ts';
import { extractConsoleBlocks, type ConsoleBlock, type ConsoleCommand } from './console.ts';
import { normalize, matchOutput, diffLines } from './normalize.ts';
import { chapterPath } from './chapters.ts';
import type { Chapter } from '../types.ts';

export interface CheckpointLike { env: NodeJS.ProcessEnv; stateDir: string }

export interface RunOptions { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; maxOutputBytes?: number }

export interface RunOutput { output: string; exitCode: number | null; signal: NodeJS.Signals | null; timedOut: boolean }

const MAX_OUTPUT = 1 << 20;

// One reader command in bash, stdout and stderr through one pipe so their order is the terminal's.
export function runShellCommand(command: string, opts: RunOptions): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `exec 2>&1\n${command}`], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true, // own process group: a timeout kills the command's children too
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    child.stdout!.on('data', (c: Buffer) => {
      // Bounded: past the limit, keep draining (so the command is never blocked) but stop keeping.
      if (size + c.length > (opts.maxOutputBytes ?? MAX_OUTPUT)) { truncated = true; return; }
      chunks.push(c);
      size += c.length;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, opts.timeoutMs ?? 60_000);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      let output = Buffer.concat(chunks).toString('utf8');
      if (truncated) output += `\n[output truncated at ${opts.maxOutputBytes ?? MAX_OUTPUT} bytes]\n`;
      resolve({ output, exitCode, signal, timedOut });
    });
  });
}

export interface CommandResult {
  block: ConsoleBlock;
  command: ConsoleCommand;
  run: RunOutput;
  expected: string;   // normalised
  actual: string;     // normalised
  ok: boolean;
  problem?: string;   // why it failed, with a diff
}

export function chapterMarkdown(chapter: Chapter, repoRoot: string): string | undefined {
  const file = join(repoRoot, chapterPath(chapter));
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export async function runConsoleBlock(block: ConsoleBlock, cp: CheckpointLike, repoRoot: string, timeoutMs?: number): Promise<CommandResult[]> {
  const results: CommandResult[] = [];
  for (const command of block.commands) {
    const run = await runShellCommand(command.command, { cwd: repoRoot, env: cp.env, timeoutMs });
    const norm = { stateDir: cp.stateDir, repoRoot };
    const expected = normalize(command.expected, norm);
    const actual = normalize(run.output, norm);
    let problem: string | undefined;
    if (run.timedOut) problem = `timed out; output so far:\n${run.output}`;
    else if (block.noOutput) {
      if (run.exitCode !== 0) problem = `exited with ${run.exitCode ?? run.signal}; output:\n${run.output}`;
    } else if (!matchOutput(expected, actual)) {
      problem = `output differs (- chapter, + actual, after normalising; exit ${run.exitCode ?? run.signal}):\n${diffLines(expected, actual)}`;
    }
    results.push({ block, command, run, expected, actual, ok: !problem, ...(problem ? { problem: `line ${command.line}: $ ${command.command}\n${problem}` } : {}) });
  }
  return results;
}

const defaultRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// Every console block of a chapter (by slug or number), in order, against one running checkpoint. Returns every
// command's result; `results.filter((r) => !r.ok).map((r) => r.problem)` are the differences to report.
export async function runChapterCommands(ref: string | number | Chapter, cp: CheckpointLike, repoRoot = defaultRoot): Promise<CommandResult[]> {
  const chapter = typeof ref === 'object' ? ref : chapters.find((c) => c.slug === String(ref) || String(c.number) === String(ref));
  if (!chapter) throw new Error(`runChapterCommands: no chapter "${String(ref)}" in book.config.ts`);
  const md = chapterMarkdown(chapter, repoRoot);
  if (md === undefined) throw new Error(`chapter ${chapter.slug}: ${chapterPath(chapter)} does not exist`);
  const results: CommandResult[] = [];
  for (const block of extractConsoleBlocks(md)) results.push(...(await runConsoleBlock(block, cp, repoRoot)));
  return results;
}

// True when a command calls the real kubectl (not ours through npm), so a machine without it can skip.
export function usesRealKubectl(command: string): boolean {
  return /(^|[|;&(`\n]|\$\()\s*(?:[A-Z_]+=\S*\s+)*kubectl\b/.test(command);
}

export function usesDocker(command: string): boolean {
  return /(^|[|;&(`\n]|\$\()\s*(?:[A-Z_]+=\S*\s+)*docker\b/.test(command);
}
