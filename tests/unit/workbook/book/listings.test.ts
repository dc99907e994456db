// Unit tests for src/workbook/book/listings.ts: sync, drift, missing files/regions, unsynced ts, unused regions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syncChapter, parseListingRef, regionsOf, unusedRegions, formatProblem } from '../../../../src/workbook/book/listings.ts';

const files: Record<string, string> = {
  'src/a.ts': '// a\n// #region hello\nexport const hello = 1;\n// #endregion hello\n// #region unused\nx();\n// #endregion unused\n',
  'src/b.ts': 'export const b = 2;\n',
};
const read = (p: string) => files[p];

const chapter = (body: string) => `# Title\n\n<!-- listing: src/a.ts#hello -->\n\`\`\`ts\n${body}\`\`\`\n\nText.\n`;

test('an in-sync chapter has no problems and records the regions it uses', () => {
  const r = syncChapter('ch.md', chapter('export const hello = 1;\n'), read);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.used, ['src/a.ts#hello']);
});

test('drift is reported and sync rewrites only the fenced body', () => {
  const md = chapter('old\ncode\n');
  const r = syncChapter('ch.md', md, read);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.kind, 'drift');
  assert.equal(r.problems[0]!.line, 4);
  assert.equal(r.text, chapter('export const hello = 1;\n'));
  assert.deepEqual(syncChapter('ch.md', r.text, read).problems, []);
});

test('several listings are rewritten even when their lengths change', () => {
  const md = '<!-- listing: src/b.ts -->\n```ts\n\n```\n\n<!-- listing: src/a.ts#hello -->\n```ts\na\nb\nc\n```\n';
  const r = syncChapter('ch.md', md, read);
  assert.equal(r.text, '<!-- listing: src/b.ts -->\n```ts\nexport const b = 2;\n```\n\n<!-- listing: src/a.ts#hello -->\n```ts\nexport const hello = 1;\n```\n');
});

test('a whole-file listing shows the file without markers and uses all its regions', () => {
  const r = syncChapter('ch.md', '<!-- listing: src/a.ts -->\n```ts\n```\n', read);
  assert.match(r.text, /```ts\n\/\/ a\nexport const hello = 1;\nx\(\);\n```/);
  assert.deepEqual(r.used.sort(), ['src/a.ts#hello', 'src/a.ts#unused']);
});

test('missing files and regions are reported with the regions that exist', () => {
  const md = '<!-- listing: src/nope.ts#x -->\n```ts\n```\n<!-- listing: src/a.ts#nope -->\n```ts\n```\n';
  const kinds = syncChapter('ch.md', md, read).problems.map((p) => [p.kind, p.message]);
  assert.deepEqual(kinds[0], ['missing-file', 'listing src/nope.ts: no such file']);
  assert.equal(kinds[1]![0], 'missing-region');
  assert.match(kinds[1]![1]!, /regions: hello, unused/);
});

test('a ts block must be synced or marked illustrative; other languages are free', () => {
  const md = '```ts\nlet x = 1;\n```\n```ts illustrative\nlet y;\n```\n```typescript\nz\n```\n```js\nw\n```\n';
  const p = syncChapter('ch.md', md, read).problems;
  assert.deepEqual(p.map((x) => [x.kind, x.line]), [['unsynced-ts', 1], ['unsynced-ts', 7]]);
});

test('a listing comment with no fence right after it is stray', () => {
  const p = syncChapter('ch.md', '<!-- listing: src/a.ts#hello -->\n\n```ts\nexport const hello = 1;\n```\n', read).problems;
  assert.deepEqual(p.map((x) => x.kind).sort(), ['stray-listing', 'unsynced-ts']);
});

test('listing paths cannot leave src/', () => {
  assert.match(String(parseListingRef('listing: ../etc/passwd')), /under src\//);
  assert.match(String(parseListingRef('listing: src/../x.ts')), /under src\//);
  assert.match(String(parseListingRef('listing: src/a.ts#b#c')), /malformed/);
  assert.deepEqual(parseListingRef('listing: src/a/b.ts#x-1'), { path: 'src/a/b.ts', region: 'x-1' });
  assert.equal(parseListingRef('just a comment'), undefined);
});

test('a broken region file is a problem, not a crash', () => {
  const p = syncChapter('ch.md', '<!-- listing: src/c.ts#a -->\n```ts\n```\n', () => '// #region a\n').problems;
  assert.equal(p[0]!.kind, 'region-error');
  assert.match(p[0]!.message, /src\/c\.ts:1: region "a" is never closed/);
});

test('unused regions are those no chapter shows', () => {
  const all = regionsOf('src/a.ts', files['src/a.ts']!);
  const p = unusedRegions(all, ['src/a.ts#hello']);
  assert.deepEqual(p.map(formatProblem), ['src/a.ts:5: unused-region: region "unused" is not shown by any chapter']);
});

test('a ";" in a Mermaid sequence diagram is reported at its line; flowcharts and comments are left alone', () => {
  const md = '# T\n```mermaid\nsequenceDiagram\n  A->>B: hello\n  Note over A,B: one; two\n  %% a; comment\n```\n```mermaid\nflowchart LR\n  a["x; y"] --> b\n```\n';
  const p = syncChapter('ch.md', md, read).problems;
  assert.deepEqual(p.map((x) => [x.kind, x.line]), [['mermaid', 5]]);
  assert.match(p[0]!.message, /Note over A,B: one; two/);
});
