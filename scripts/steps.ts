// npm run steps <n|slug>: walks a chapter's step script (scripts/steps/<slug>.ts) against its checkpoint: the one
// KUBECONFIG names or one already running under .run/ (npm run chapter), else one started here for the walk and
// stopped after it. A step that fails stops the walk, names itself, and makes this exit 1.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import chapters from '../book.config.ts';
import { findChapter, findRunningCheckpoints, repoRoot, startCheckpoint, type RunningCheckpoint } from '../src/workbook/checkpoint.ts';
import { checkpointOwner } from '../src/workbook/book/chapters.ts';
import { controlSocketPath, sendControl } from '../src/workbook/control.ts';
import type { Chapter } from '../src/workbook/types.ts';

function usage(): string {
  return `usage: npm run steps <number|slug>\nchapters:\n${chapters.map((c) => `  ${String(c.number).padStart(2)}  ${c.slug.padEnd(18)} ${c.title}`).join('\n')}`;
}

function stepScript(chapter: Chapter): string {
  const rel = chapter.steps ?? `scripts/steps/${chapter.slug}.ts`;
  if (!/^scripts\/steps\/[a-z0-9-]+\.ts$/.test(rel)) throw new Error(`chapter ${chapter.slug}: steps must be scripts/steps/<slug>.ts, not ${rel}`);
  const file = join(repoRoot, rel);
  if (!existsSync(file)) throw new Error(`chapter ${chapter.number} (${chapter.slug}) has no step script yet: ${rel} does not exist`);
  return file;
}

function runScript(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: repoRoot, env, stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

// Which chapter's checkpoint holds a state folder (its lock), if any.
function lockedSlug(stateDir: string): string | undefined {
  try { return (JSON.parse(readFileSync(join(stateDir, 'lock'), 'utf8')) as { slug?: string }).slug; } catch { return undefined; }
}

// The last line of a walk: the step script has already named a failed step; this says the walk did not finish.
function finish(chapter: Chapter, code: number): number {
  if (code !== 0) {
    console.error(`steps: chapter ${chapter.number}'s walk did not finish (exit ${code}); npm run steps ${chapter.number} starts it again `
      + 'from a known state (what a step stopped is started, what the walk created is deleted)');
  }
  return code;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1 || argv[0] === '--help' || argv[0] === '-h') { console.error(usage()); return argv.length === 1 ? 0 : 2; }
  let chapter: Chapter;
  try { chapter = findChapter(argv[0]!); } catch (err) { console.error((err as Error).message); return 2; }
  const owner = checkpointOwner(chapter, chapters);
  if (!owner) {
    const same = 'same' in chapter.checkpoint ? chapter.checkpoint.same : chapter.slug;
    console.error(`chapter ${chapter.number} (${chapter.slug}) runs the checkpoint of chapter "${same}", which is not in book.config.ts yet`);
    return 1;
  }
  let script: string;
  try { script = stepScript(chapter); } catch (err) { console.error((err as Error).message); return 1; }

  // The checkpoint KUBECONFIG names (as `npm run chapter` suggests exporting), if its supervisor is alive there;
  // else one the reader started with `npm run chapter` (for this chapter or the one whose checkpoint it runs).
  const exported = process.env.KUBECONFIG && dirname(process.env.KUBECONFIG);
  if (exported && [chapter.slug, owner.slug].includes(lockedSlug(exported) ?? '')
      && await sendControl(controlSocketPath(exported), { op: 'list' }).then(() => true, () => false)) {
    console.log(`steps: using the checkpoint in ${exported} (KUBECONFIG)`);
    return finish(chapter, await runScript(script, { ...process.env, KUBECACHEDIR: join(exported, 'kube-cache') }));
  }
  const running = findRunningCheckpoints().find((r) => (r.slug === chapter.slug || r.slug === owner.slug) && existsSync(r.kubeconfig));
  if (running) {
    console.log(`steps: using the checkpoint running in ${running.stateDir} (pid ${running.pid})`);
    return finish(chapter, await runScript(script, { ...process.env, KUBECONFIG: running.kubeconfig, KUBECACHEDIR: join(running.stateDir, 'kube-cache') }));
  }

  console.log(`steps: no checkpoint of "${owner.slug}" is running (npm run chapter ${owner.number}); starting one for this walk…`);
  const stateDir = mkdtempSync(join(tmpdir(), `ike-steps-${chapter.slug}-`));
  const logs: string[] = [];
  let cp: RunningCheckpoint | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => { await cp?.stop(); rmSync(stateDir, { recursive: true, force: true }); })());
  const onSignal = () => { void stop().then(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    cp = await startCheckpoint(chapter.slug, { stateDir, log: (l) => { logs.push(l); if (logs.length > 400) logs.shift(); } });
    console.log(`steps: checkpoint ready (${Object.entries(cp.announcements).map(([n, a]) => [n, a.url ?? a.socket].filter(Boolean).join(' ')).join(', ')})`);
    const code = await runScript(script, cp.env);
    if (code !== 0) console.error(`\nsteps: the checkpoint's last log lines:\n${logs.slice(-40).join('\n')}`);
    return finish(chapter, code);
  } catch (err) {
    console.error(`steps: ${(err as Error).message}`);
    return 1;
  } finally {
    await stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main(process.argv.slice(2));
