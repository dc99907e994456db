// Unit tests for src/workbook/prebuild.ts: entries become JavaScript that runs without tsx, a build is reused while its
// sources are unchanged, an edited source (even one only imported) makes a new one, and import.meta.url stays the source's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prebuild } from '../../../src/workbook/prebuild.ts';

test('an entry is built once, reused while unchanged, rebuilt when a file it imports changes', async (t) => {
  const repo = mkdtempSync(join(tmpdir(), 'ike-prebuild-'));
  t.after(() => rmSync(repo, { recursive: true, force: true }));
  mkdirSync(join(repo, 'src/lib'), { recursive: true });
  const lib = join(repo, 'src/lib/word.ts');
  writeFileSync(lib, `export const word: string = 'one';\nexport const here = import.meta.url;\n`);
  writeFileSync(join(repo, 'src/main.ts'), `import { word, here } from './lib/word.ts';\nconsole.log(word, here);\n`);

  const first = (await prebuild(repo, ['src/main.ts'])).get('src/main.ts')!;
  assert.equal(execFileSync(process.execPath, [first], { encoding: 'utf8' }).trim(), `one ${pathToFileURL(lib).href}`);
  assert.equal((await prebuild(repo, ['src/main.ts'])).get('src/main.ts'), first, 'unchanged sources: the same build');

  writeFileSync(lib, `export const word: string = 'two';\nexport const here = import.meta.url;\n`);
  utimesSync(lib, new Date(), new Date(Date.now() + 5000)); // a different mtime even on a coarse clock
  const second = (await prebuild(repo, ['src/main.ts'])).get('src/main.ts')!;
  assert.notEqual(second, first);
  assert.match(execFileSync(process.execPath, [second], { encoding: 'utf8' }), /^two /);
});
