// A node:test reporter that prints one line as each test file starts: the spec reporter (which npm test runs beside
// it) prints a file's results only when the file ends, so a slow acceptance file would otherwise look like a hang.
// Plain JavaScript: node:test loads reporters without the tsx loader that the test files get.
import { relative } from 'node:path';

/** @param {string} file @param {string} [cwd] */
export function startLine(file, cwd = process.cwd()) {
  const rel = relative(cwd, file);
  return `▶ ${rel && !rel.startsWith('..') ? rel : file}\n`;
}

/** @param {AsyncIterable<{ type: string, data: { name?: string, file?: string, nesting?: number } }>} source */
export default async function* fileStarts(source) {
  for await (const event of source) {
    // With process isolation each file is a test of its own, named by its path, taken off the queue as its child starts.
    const { name, file, nesting } = event.data ?? {};
    if (event.type === 'test:dequeue' && nesting === 0 && file && name === file) yield startLine(file);
  }
}
