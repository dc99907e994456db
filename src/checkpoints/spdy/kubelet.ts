// Chapter 8's kubelet: chapter 6's, which proxies whatever upgrade it gets (SPDY from the API server's translator or
// from kubectl 1.27–1.29) to the runtime's streaming server; a runtime lost mid-stream is reported on SPDY too.
import { StreamingExecStrategy } from '../../kubelet/cri-streaming-exec.ts';
import { criKubeletWiring } from '../../kubelet/cri-wiring.ts';
import { runKubelet } from '../../kubelet/run-kubelet.ts';
import { spdyLostStreamWatchFor } from '../../proxy/spdy-lost-stream.ts';

await runKubelet({
  ...criKubeletWiring(
    ({ flags }) => new StreamingExecStrategy({ redirect: flags['redirect-container-streaming'] === 'true' }),
    ['redirect-container-streaming'],
  ),
  lostStreamWatch: spdyLostStreamWatchFor,
});
