// Unit tests for scripts/doctor.ts: which failures make the doctor exit non-zero, and how a check that throws reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, formatReport, checks } from '../../../scripts/doctor.ts';
import chapters, { plannedChapters } from '../../../book.config.ts';

const ok = async () => ({ ok: true, detail: 'fine' });
const bad = async () => ({ ok: false, detail: 'missing', fix: 'install it' });

test('a missing requirement of chapters 1-5 fails the doctor and says how to fix it', async () => {
  const { text, exitCode } = formatReport(await runChecks([
    { name: 'a', neededBy: 'chapters 1-5', run: ok },
    { name: 'b', neededBy: 'chapters 1-5', run: bad },
  ]));
  assert.equal(exitCode, 1);
  assert.match(text, /✓ a: fine/);
  assert.match(text, /✗ b: missing\n {4}needed by chapters 1-5\n {4}fix: install it/);
  assert.match(text, /Not ready: 1 requirement/);
});

test('what only the planned chapters will need is reported but does not fail', async () => {
  const { text, exitCode } = formatReport(await runChecks([
    { name: 'a', neededBy: 'chapters 1-5', run: ok },
    { name: 'docker', neededBy: 'chapter 6 (engine, planned)', run: bad },
  ]));
  assert.equal(exitCode, 0);
  assert.match(text, /! docker: missing\n {4}needed by chapter 6 \(engine, planned\)/);
  assert.match(text, /Ready for chapters 1-5, the chapters written so far\. 1 thing\(s\) the planned chapters \(6-12\) will need are missing/);
});

test('every check beyond chapters 1-5 names its chapter as planned, as book.config.ts lists it', () => {
  const later = checks.filter((c) => c.neededBy !== 'chapters 1-5');
  assert.ok(later.length > 0);
  for (const c of later) {
    const m = /^chapter (\d+) \(([a-z-]+), planned\b/.exec(c.neededBy);
    assert.ok(m, `${c.name}: "${c.neededBy}" does not say its chapter is planned`);
    const p = plannedChapters.find((x) => x.number === Number(m[1]));
    assert.equal(p?.slug, m[2], `${c.name}: chapter ${m[1]} is not planned as ${m[2]}`);
    assert.ok(!chapters.some((x) => x.number === p!.number), `${c.name}: chapter ${p!.number} is written: say so`);
  }
});

test('a check that throws is a failed check, not a crash', async () => {
  const [r] = await runChecks([{ name: 'x', neededBy: 'chapters 1-5', run: async () => { throw new Error('boom'); } }]);
  assert.deepEqual(r!.result, { ok: false, detail: 'check failed: boom' });
});

test('the Node check passes on the Node running this test (>= 20)', async () => {
  const [r] = await runChecks(checks.filter((c) => c.name.startsWith('Node.js')));
  assert.equal(r!.result.ok, true);
  assert.equal(r!.result.detail, `v${process.versions.node}`);
});
