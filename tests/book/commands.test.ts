// Every ```console block of every chapter runs against that chapter's checkpoint and shows the output it claims.
import chapters from '../../book.config.ts';
import { describeChapterCommands } from '../../src/workbook/book/describe.ts';

for (const chapter of chapters) describeChapterCommands(chapter.slug);
