// Chapter 4's kubelet: pods through CRI to its node's shim; exec still served by the kubelet itself.
import { DirectExecStrategy } from '../../kubelet/cri-direct-exec.ts';
import { criKubeletWiring } from '../../kubelet/cri-wiring.ts';
import { runKubelet } from '../../kubelet/run-kubelet.ts';

await runKubelet(criKubeletWiring(({ nodeName }) => new DirectExecStrategy(`kubelet ${nodeName}`)));
