// Unit tests for scripts/book-sync.ts on a small temporary book: --check reports and exits 1, sync fixes drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSync } from '../../../scripts/book-sync.ts';

function book(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'ike-book-sync-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src/a'), { recursive: true });
  mkdirSync(join(root, 'chapters'));
  writeFileSync(join(root, 'src/a/x.ts'), '// x\n// #region shown\nexport const x = 1;\n// #endregion shown\n');
  writeFileSync(join(root, 'chapters/00-a.md'), '# A\n\n<!-- listing: src/a/x.ts#shown -->\n```ts\nexport const x = 0;\n```\n');
  return root;
}

test('--check reports drift without writing and exits 1', (t) => {
  const root = book(t);
  const before = readFileSync(join(root, 'chapters/00-a.md'), 'utf8');
  const errs: string[] = [];
  assert.equal(runSync(root, true, () => {}, (l) => errs.push(l)), 1);
  assert.match(errs[0]!, /^chapters\/00-a\.md:4: drift: listing src\/a\/x\.ts#shown differs/);
  assert.equal(readFileSync(join(root, 'chapters/00-a.md'), 'utf8'), before);
});

test('sync rewrites the listing, after which --check passes', (t) => {
  const root = book(t);
  const outs: string[] = [];
  assert.equal(runSync(root, false, (l) => outs.push(l), () => {}), 0);
  assert.deepEqual(outs, ['synced chapters/00-a.md']);
  assert.match(readFileSync(join(root, 'chapters/00-a.md'), 'utf8'), /```ts\nexport const x = 1;\n```/);
  assert.equal(runSync(root, true, () => {}, () => {}), 0);
});

test('a region no chapter shows fails both sync and --check', (t) => {
  const root = book(t);
  writeFileSync(join(root, 'src/a/y.ts'), '// #region lonely\ny();\n// #endregion lonely\n');
  const errs: string[] = [];
  assert.equal(runSync(root, false, () => {}, (l) => errs.push(l)), 1);
  assert.ok(errs.includes('src/a/y.ts:1: unused-region: region "lonely" is not shown by any chapter'), errs.join('\n'));
});
