// Chapter 6's kubelet: chapter 5's, unchanged. It speaks CRI to the shim and proxies exec to the shim's streaming
// server; that the shim now drives an engine is invisible from here, as dockershim's move out of the kubelet was.
import { StreamingExecStrategy } from '../../kubelet/cri-streaming-exec.ts';
import { criKubeletWiring } from '../../kubelet/cri-wiring.ts';
import { runKubelet } from '../../kubelet/run-kubelet.ts';

await runKubelet(criKubeletWiring(
  ({ flags }) => new StreamingExecStrategy({ redirect: flags['redirect-container-streaming'] === 'true' }),
  ['redirect-container-streaming'],
));
