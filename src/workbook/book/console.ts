// The ```console blocks of a chapter: the commands a reader runs and the output they should see.
// (Ours.) `$ ` starts a command, a trailing `\` continues it on the next line, the lines up to the next `$ `
// are its expected output (stdout and stderr as a terminal interleaves them). ```console no-output blocks are
// run for their exit status only.
import { findFences } from './fences.ts';

export interface ConsoleCommand {
  command: string;     // as bash receives it (continuation lines joined with their backslash-newline kept)
  expected: string;    // expected output, '' when none; each line ends in '\n'
  line: number;        // 1-based line of the `$ ` in the chapter
}

export interface ConsoleBlock {
  line: number;        // 1-based line of the opening fence
  noOutput: boolean;
  commands: ConsoleCommand[];
}

export function extractConsoleBlocks(markdown: string): ConsoleBlock[] {
  return findFences(markdown)
    .filter((f) => f.lang === 'console')
    .map((f) => {
      const flags = f.info.split(/\s+/).slice(1);
      return { line: f.open + 1, noOutput: flags.includes('no-output'), commands: parseConsole(f.body, f.open + 2) };
    });
}

// firstLine: the 1-based chapter line of the body's first line, for messages.
export function parseConsole(body: string, firstLine = 1): ConsoleCommand[] {
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: ConsoleCommand[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (!l.startsWith('$ ') && l !== '$') {
      if (out.length === 0) {
        if (l.trim() === '') { i++; continue; }
        throw new Error(`line ${firstLine + i}: a console block must start with a "$ " command, found "${l}"`);
      }
    }
    const start = i;
    let command = l.slice(2);
    while (command.endsWith('\\') && i + 1 < lines.length) {
      i++;
      command += `\n${lines[i]!.replace(/^> /, '')}`;
    }
    i++;
    const expected: string[] = [];
    while (i < lines.length && !lines[i]!.startsWith('$ ') && lines[i] !== '$') expected.push(lines[i++]!);
    while (expected.length && expected[expected.length - 1]!.trim() === '') expected.pop();
    out.push({ command, expected: expected.map((e) => `${e}\n`).join(''), line: firstLine + start });
  }
  return out;
}
