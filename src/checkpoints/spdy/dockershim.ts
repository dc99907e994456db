// Chapter 8's runtime shim: chapter 6's dockershim, whose streaming server now serves what upstream's does: SPDY v4, v3,
// v2 and channel.k8s.io, and WebSocket v4 and older (no v5: since 1.30 v5 ends at the API server's StreamTranslator).
import { DOCKERSHIM_FLAGS, dockerStreaming, startDockerService } from '../../dockershim/dockershim.ts';
import { serveRemoteCommand } from '../../remotecommand/serve-stream.ts';
import { runShim } from '../../shim/shim.ts';

// #region spdy-dockershim
await runShim({ runtime: startDockerService, streaming: dockerStreaming({ serveStream: serveRemoteCommand }), extraFlags: DOCKERSHIM_FLAGS });
// #endregion spdy-dockershim
