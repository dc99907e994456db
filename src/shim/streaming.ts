// The shim's streaming seam: who answers Exec, Attach and PortForward with a URL
// (cri-dockerd's streaming.Server behind DockerService.Exec; chapter 4 has none, chapter 5 plugs one in).
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../cri/proto.ts';

export interface ShimStreaming {
  readonly url?: URL | string;        // where it listens, for the announcement and the curious reader
  // Each validates the request, caches it under a fresh token and returns the fully qualified URL.
  getExec(req: ExecRequest): string;
  getAttach(req: AttachRequest): string;
  getPortForward(req: PortForwardRequest): string;
  close(): Promise<void>;
}
