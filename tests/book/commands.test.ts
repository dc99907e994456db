// Every ```console block of every chapter runs against that chapter's checkpoint and shows the output it claims;
// then the chapter's `npm run steps`, twice on the same checkpoint: a reader who follows the chapter sees no error.
// The chapters run side by side, each on a checkpoint of its own (temp state folder, ephemeral ports): they mostly
// wait on processes and sockets, so the file takes about as long as its slowest chapter rather than their sum.
import { describe } from 'node:test';
import chapters from '../../book.config.ts';
import { describeChapterCommands } from '../../src/workbook/book/describe.ts';

describe('the book\'s chapters', { concurrency: 2 }, () => {
  for (const chapter of chapters) describeChapterCommands(chapter.slug, { thenSteps: true });
});
