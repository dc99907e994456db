// Chapter 6's runtime shim as dockershim: the CRI over gRPC, each call turned into Docker API calls to this node's
// engine (--docker-endpoint), and a streaming server whose execs go through the engine's exec API (cri-dockerd).
import { DOCKERSHIM_FLAGS, startDockerService, startDockerStreaming } from '../../dockershim/dockershim.ts';
import { runShim } from '../../shim/shim.ts';

await runShim({ runtime: startDockerService, streaming: startDockerStreaming, extraFlags: DOCKERSHIM_FLAGS });
