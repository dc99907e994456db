// Chapter 5's kubelet: exec through CRI Exec and the shim's streaming server, proxied (or, with
// --redirect-container-streaming=true, redirected as kubelets 1.11-1.19 could).
import { StreamingExecStrategy } from '../../kubelet/cri-streaming-exec.ts';
import { criKubeletWiring } from '../../kubelet/cri-wiring.ts';
import { runKubelet } from '../../kubelet/run-kubelet.ts';

await runKubelet(criKubeletWiring(
  ({ flags }) => new StreamingExecStrategy({ redirect: flags['redirect-container-streaming'] === 'true' }),
  ['redirect-container-streaming'],
));
