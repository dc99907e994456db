// The shape of book.config.ts: chapters, the files each introduces, and how its checkpoint is composed.

// One OS process of a checkpoint. The supervisor runs `node <entry, transpiled> --name=<name> --state-dir=<dir> ...args`.
// In args, ${state} is the state folder and ${other.field} a field of another component's announcement (for example
// ${apiserver.url}): it also makes this one start after that one (workbook/start-order.ts).
export interface ComponentSpec {
  name: string;
  entry: string;
  args?: string[];
  // How readiness is proven after the announcement appears: GET <url>/healthz, a connect to <socket>, or nothing more.
  probe: 'http' | 'socket' | 'none';
  // Extra readiness beyond the probe: the component's announcement must carry these keys.
  env?: Record<string, string>;
}

export interface Checkpoint {
  components: ComponentSpec[];
  // Commands printed after start, for the reader to try.
  try?: string[];
  // TLS and authentication on every hop (chapter 9 on); without it the checkpoint warns at start that it is open.
  secured?: boolean;
}

export interface Chapter {
  number: number;
  slug: string;
  title: string;
  question: string;
  // Files under src/ this chapter introduces (its checkpoint may import these and earlier chapters' files only).
  files: string[];
  // The chapter's checkpoint, or the slug of the chapter whose checkpoint it runs.
  checkpoint: Checkpoint | { same: string };
  // The zx step script, scripts/steps/<slug>.ts, run by `npm run steps <n|slug>`.
  steps?: string;
}

// A chapter on the plan but not written yet: no Markdown, no checkpoint, no steps. Scripts name it
// ("chapter 6 (engine) is planned, not written yet") rather than say there is no such chapter.
export interface PlannedChapter {
  number: number;
  slug: string;
  title: string;
  question: string;
}
