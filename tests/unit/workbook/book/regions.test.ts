// Unit tests for src/workbook/book/regions.ts: region extraction, nesting, dedent, and the errors a chapter author sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractRegions, wholeFile, dedent, RegionError } from '../../../../src/workbook/book/regions.ts';

const src = [
  'import x from "./x.ts";',
  'export class A {',
  '  // #region method',
  '  run(): void {',
  '    // #region inner',
  '    go();',
  '    // #endregion inner',
  '  }',
  '  // #endregion method',
  '}',
  '',
].join('\n');

test('a region is its lines, dedented, without the markers of nested regions', () => {
  const r = extractRegions(src, 'a.ts');
  assert.equal(r.get('method')!.text, 'run(): void {\n  go();\n}\n');
  assert.equal(r.get('inner')!.text, 'go();\n');
  assert.equal(r.get('method')!.startLine, 3);
  assert.equal(r.get('method')!.endLine, 9);
});

test('the whole file drops every marker and nothing else', () => {
  assert.equal(wholeFile(src), 'import x from "./x.ts";\nexport class A {\n  run(): void {\n    go();\n  }\n}\n');
});

test('#endregion without a name closes the innermost region', () => {
  const r = extractRegions('// #region a\nx\n// #endregion\n');
  assert.equal(r.get('a')!.text, 'x\n');
});

test('errors name the file and line', () => {
  assert.throws(() => extractRegions('// #region a\nx\n', 'f.ts'), (e: unknown) => e instanceof RegionError && /f\.ts:1: region "a" is never closed/.test(e.message));
  assert.throws(() => extractRegions('x\n// #endregion a\n', 'f.ts'), /f\.ts:2: #endregion without a #region/);
  assert.throws(() => extractRegions('// #region a\n// #endregion a\n// #region a\n// #endregion a\n', 'f.ts'), /f\.ts:3: region "a" is defined twice/);
  assert.throws(() => extractRegions('// #region a\n// #region b\n// #endregion a\n// #endregion b\n', 'f.ts'), /f\.ts:3: #endregion a closes region "b"/);
});

test('dedent keeps relative indentation and ignores blank lines when measuring', () => {
  assert.deepEqual(dedent(['', '    a', '', '      b', '    ']), ['a', '', '  b']);
  assert.deepEqual(dedent(['a', '  b']), ['a', '  b']);
});

test('CRLF sources give the same regions', () => {
  assert.equal(extractRegions('// #region a\r\n  x\r\n// #endregion a\r\n').get('a')!.text, 'x\n');
});
