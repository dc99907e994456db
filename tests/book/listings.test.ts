// The real chapters and src/ agree: no drift, no missing file or region, no unused region, no unsynced ts block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBook } from '../../scripts/book-sync.ts';
import { syncBook } from '../../src/workbook/book/book.ts';
import { formatProblem } from '../../src/workbook/book/listings.ts';

test('every chapter listing matches its region in src/ and every region is shown (npm run book:check)', () => {
  const { problems } = syncBook(loadBook());
  assert.deepEqual(problems.map(formatProblem), [], 'run npm run book:check for the list; npm run book:sync fixes drift');
});
