// Every ```console block of every chapter runs against that chapter's checkpoint and shows the output it claims;
// then the chapter's `npm run steps`, twice on the same checkpoint: a reader who follows the chapter sees no error.
import chapters from '../../book.config.ts';
import { describeChapterCommands } from '../../src/workbook/book/describe.ts';

for (const chapter of chapters) describeChapterCommands(chapter.slug, { thenSteps: true });
