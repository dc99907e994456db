// Chapter 3's kubelet: registers its node, runs pods "on the host" (no containers yet) and serves exec there.
import { HostRuntime } from '../../kubelet/host-runtime.ts';
import { runKubelet } from '../../kubelet/run-kubelet.ts';

await runKubelet({
  runtimeVersion: 'host://0.3.0',
  runtime: ({ nodeName, stateDir, hostIP }) => new HostRuntime({ nodeName, stateDir, hostIP }),
});
