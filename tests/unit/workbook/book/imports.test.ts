// Unit tests for src/workbook/book/imports.ts: which imports count, and the walk over relative ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImports, walkImports } from '../../../../src/workbook/book/imports.ts';

test('every static and literal dynamic import form is found', () => {
  const src = [
    "import a from './a.ts';",
    "import type { B } from '../b.ts';",
    "import {",
    "  c,",
    "  d,",
    "} from './cd.ts';",
    "import * as e from \"./e.ts\";",
    "export { f } from './f.ts';",
    "export * from './g.ts';",
    "export type { H } from './h.ts';",
    "import './side-effect.ts';",
    "const m = await import('./dyn.ts');",
    "import { spawn } from 'node:child_process';",
    "const url = 'http://x/y'; const z = Array.from('abc');",
    "// import x from './commented.ts';",
    "/* import y from './block.ts'; */",
    "const v = import(name);",
  ].join('\n');
  assert.deepEqual(parseImports(src).sort(), ['../b.ts', './a.ts', './cd.ts', './dyn.ts', './e.ts', './f.ts', './g.ts', './h.ts', './side-effect.ts', 'node:child_process'].sort());
});

test('the walk follows relative imports only and reports the ones that lead nowhere', () => {
  const files: Record<string, string> = {
    'src/checkpoints/x/main.ts': "import { a } from '../../a/a.ts';\nimport ws from 'ws';",
    'src/a/a.ts': "export * from './b.ts';\nimport './gone.ts';",
    'src/a/b.ts': "import { a } from './a.ts';", // a cycle is fine
  };
  const g = walkImports(['src/checkpoints/x/main.ts'], (p) => files[p]);
  assert.deepEqual(g.files, ['src/a/a.ts', 'src/a/b.ts', 'src/checkpoints/x/main.ts']);
  assert.deepEqual(g.missing, [{ from: 'src/a/a.ts', to: 'src/a/gone.ts' }]);
});
