// Chapter 4's runtime shim: CRI over gRPC on a unix socket, containers as host processes, no streaming server yet.
import { runShim } from '../../shim/shim.ts';

await runShim();
