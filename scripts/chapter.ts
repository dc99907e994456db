// `npm run chapter <n|slug>`: starts that chapter's checkpoint in .run/<slug>/ and keeps it running until Ctrl-C.
import { join } from 'node:path';
import { checkpointOf, findChapter, runRoot, startCheckpoint, type RunningCheckpoint } from '../src/workbook/checkpoint.ts';
import { ancestorsToWatch, watchAncestors } from '../src/workbook/ancestry.ts';
import { openDoorsWarning } from '../src/workbook/open-doors.ts';

// --verbose (or WORKBOOK_VERBOSE=1): the API server logs every request, heartbeats and controllers' polls included.
const args = process.argv.slice(2);
const verbose = args.includes('--verbose') || process.env.WORKBOOK_VERBOSE === '1';
const [ref, ...extra] = args.filter((a) => a !== '--verbose');
if (!ref || extra.length) {
  console.error('usage: npm run chapter <number|slug> [-- --verbose]   (for example: npm run chapter 2)');
  process.exit(2);
}

let chapter;
try { chapter = findChapter(ref); } catch (err) { console.error((err as Error).message); process.exit(2); }
const stateDir = join(runRoot(), chapter.slug);
const color = process.stdout.isTTY;
const paint = (line: string) => {
  if (!color) return line;
  const m = /^\[([^\]]+)\]/.exec(line);
  if (!m) return line;
  const hue = [36, 33, 35, 32, 34, 31][[...m[1]].reduce((h, ch) => h + ch.charCodeAt(0), 0) % 6];
  return `\x1b[${hue}m${m[0]}\x1b[0m${line.slice(m[0].length)}`;
};

// Who we live for, taken now, while they are surely alive (see the watch below).
const ancestors = ancestorsToWatch();

// Signals and a vanished parent are handled from the first moment, before anything starts: a SIGTERM while
// the components start, or right after the KUBECONFIG line, still stops all of them and removes the lock.
let cp: RunningCheckpoint | undefined;
let stopping: string | undefined;
const stop = async (why: string) => {
  if (stopping) return;
  stopping = why;
  console.log(`\n${why}: stopping checkpoint ${chapter.slug}...`);
  if (!cp) return; // still starting: stopped as soon as startCheckpoint returns, below
  await cp.stop();
  console.log('All stopped.');
  process.exit(0);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(sig));
// A closed terminal makes log lines fail (EIO, EPIPE): stop the checkpoint rather than crash in the middle of it.
for (const out of [process.stdout, process.stderr]) out.on('error', () => void stop('output closed'));
// `kill <npm pid>` (even kill -9) ends npm without passing anything on, and npm ran us through `sh -c`, which
// lives on: a checkpoint whose npm or parent is gone stops too, rather than running on unowned.
watchAncestors(ancestors, (who) => void stop(`${who.command.split(' ').slice(0, 3).join(' ')} (pid ${who.pid}) is gone`));

console.log(`Starting checkpoint ${chapter.number} (${chapter.slug}): ${chapter.title}`);
try {
  cp = await startCheckpoint(chapter.slug, { stateDir, log: (line) => console.log(paint(line)), env: { WORKBOOK_VERBOSE: verbose ? '1' : '0' } });
} catch (err) {
  console.error(`\ncould not start checkpoint ${chapter.slug}: ${(err as Error).message}`);
  process.exit(1);
}
if (stopping) {
  await cp.stop();
  console.log('All stopped.');
  process.exit(0);
}

const checkpoint = checkpointOf(chapter);
console.log('\nRunning:');
for (const spec of checkpoint.components) {
  const a = cp.announcements[spec.name];
  console.log(`  ${spec.name.padEnd(16)} pid ${String(a.pid).padEnd(8)} ${a.url ?? a.socket ?? ''}`);
}
console.log(`\nState folder: ${cp.stateDir}`);
let owner = chapter;
while ('same' in owner.checkpoint) owner = findChapter(owner.checkpoint.same);
const warning = openDoorsWarning(checkpoint, owner);
if (warning) console.log(`\n${warning}`);
console.log('\nTry, in another terminal (our kubectl, then the real one):');
console.log(`  npm run -s kubectl -- get po`);
for (const cmd of checkpoint.try ?? []) console.log(`  ${cmd}`);
console.log(verbose
  ? '\nEvery request is logged below, heartbeats included.'
  : '\nBelow, what the components do. Routine requests (node heartbeats and leases, controllers\' polls) are left out:\n'
    + `npm run chapter ${chapter.number} -- --verbose logs every request.`);
console.log('\nPress Ctrl-C to stop everything. Point the real kubectl at it with:');
console.log(`export KUBECONFIG=${cp.kubeconfig}`);
