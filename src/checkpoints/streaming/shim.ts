// Chapter 5's runtime shim: chapter 4's, plus the streaming server that answers Exec with a token URL.
import { runShim } from '../../shim/shim.ts';
import { startStreamingRuntime, STREAMING_FLAGS } from '../../shim/streaming-runtime.ts';

await runShim({ streaming: startStreamingRuntime, extraFlags: STREAMING_FLAGS });
