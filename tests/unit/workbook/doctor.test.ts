// Unit tests for scripts/doctor.ts: which failures make the doctor exit non-zero, and how a check that throws reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, formatReport, checks, REQUIRED } from '../../../scripts/doctor.ts';
import chapters, { plannedChapters } from '../../../book.config.ts';

const ok = async () => ({ ok: true, detail: 'fine' });
const bad = async () => ({ ok: false, detail: 'missing', fix: 'install it' });

test('a missing requirement of the written chapters fails the doctor and says how to fix it', async () => {
  const { text, exitCode } = formatReport(await runChecks([
    { name: 'a', neededBy: REQUIRED, run: ok },
    { name: 'b', neededBy: REQUIRED, run: bad },
  ]));
  assert.equal(exitCode, 1);
  assert.match(text, /✓ a: fine/);
  assert.match(text, new RegExp(`✗ b: missing\\n {4}needed by ${REQUIRED}\\n {4}fix: install it`));
  assert.match(text, /Not ready: 1 requirement/);
});

test('what only the planned chapters will need is reported but does not fail', async () => {
  const { text, exitCode } = formatReport(await runChecks([
    { name: 'a', neededBy: REQUIRED, run: ok },
    { name: 'chromium', neededBy: 'chapter 11 (browser, planned)', run: bad },
  ]));
  assert.equal(exitCode, 0);
  assert.match(text, /! chromium: missing\n {4}needed by chapter 11 \(browser, planned\)/);
  const planned = `${Math.min(...plannedChapters.map((c) => c.number))}-${Math.max(...plannedChapters.map((c) => c.number))}`;
  assert.match(text, new RegExp(`Ready for ${REQUIRED}, the chapters written so far\\. 1 optional thing\\(s\\) missing \\(! above\\): what a written chapter does without, or what the planned chapters \\(${planned}\\) will need`));
});

test('the required checks name the written chapters; every other check names its chapter, planned or optional, as book.config.ts lists it', () => {
  assert.equal(REQUIRED, `chapters 1-${Math.max(...chapters.map((c) => c.number))}`);
  const later = checks.filter((c) => c.neededBy !== REQUIRED);
  assert.ok(later.length > 0);
  for (const c of later) {
    const m = /^chapter (\d+) \(([a-z-]+), (planned|optional)\b/.exec(c.neededBy);
    assert.ok(m, `${c.name}: "${c.neededBy}" names no chapter, planned or optional`);
    const list = m[3] === 'planned' ? plannedChapters : chapters;
    const ch = list.find((x) => x.number === Number(m[1]));
    assert.equal(ch?.slug, m[2], `${c.name}: chapter ${m[1]} is not ${m[3] === 'planned' ? 'planned' : 'written'} as ${m[2]}`);
  }
});

test('a check that throws is a failed check, not a crash', async () => {
  const [r] = await runChecks([{ name: 'x', neededBy: REQUIRED, run: async () => { throw new Error('boom'); } }]);
  assert.deepEqual(r!.result, { ok: false, detail: 'check failed: boom' });
});

test('the Node check passes on the Node running this test (>= 20)', async () => {
  const [r] = await runChecks(checks.filter((c) => c.name.startsWith('Node.js')));
  assert.equal(r!.result.ok, true);
  assert.equal(r!.result.detail, `v${process.versions.node}`);
});
