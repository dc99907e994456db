// Chapter 5's checkpoint under load: 1,000 concurrent execs (in-process v5 clients, what kubectl 1.32 speaks),
// every one through API server → kubelet → CRI Exec → streaming server. None may fail, and each runs exactly once:
// a proxy deadline shorter than the backend's queue used to answer 500 for execs that then ran anyway.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { useCheckpoint } from './cri-common.ts';
import { streamExec } from '../../src/remotecommand/websocket-client.ts';

const CONCURRENT = 1000;

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } }), text: () => Buffer.concat(chunks).toString() };
}

describe('chapter 5 (streaming) under load', () => {
  const ctx = useCheckpoint('streaming');

  test(`${CONCURRENT} concurrent execs: no errors, and each command runs exactly once`, async () => {
    await ctx.createPod('load');
    await ctx.phase('load', 'Running');
    const api = ctx.cp.announcements.apiserver!.url!;
    const execURL = (command: string[]) => {
      const q = new URLSearchParams([...command.map((c) => ['command', c]), ['container', 'load'], ['stdout', 'true'], ['stderr', 'true']]);
      return `${api}/api/v1/namespaces/default/pods/load/exec?${q}`;
    };
    const errors = new Map<string, number>();
    let succeeded = 0;
    // `true`, and a line that says it ran: a command that runs twice, or runs after its client was told it failed, shows up here.
    await Promise.all(Array.from({ length: CONCURRENT }, async (_, i) => {
      const out = collector();
      try {
        const status = await streamExec(execURL(['sh', '-c', 'true && echo "$0" >> ran', String(i)]), { tty: false, stdout: out.stream, stderr: out.stream });
        if (status.status === 'Success') succeeded++;
        else errors.set(status.message ?? '', (errors.get(status.message ?? '') ?? 0) + 1);
      } catch (err) {
        const message = (err as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }));
    assert.deepEqual(Object.fromEntries(errors), {}, 'every exec succeeded');
    assert.equal(succeeded, CONCURRENT);

    const out = collector();
    const status = await streamExec(execURL(['cat', 'ran']), { tty: false, stdout: out.stream, stderr: out.stream });
    assert.equal(status.status, 'Success', out.text());
    const ran = out.text().trim().split('\n').map(Number).sort((a, b) => a - b);
    assert.deepEqual(ran, Array.from({ length: CONCURRENT }, (_, i) => i), 'each command ran once');
  });
});
