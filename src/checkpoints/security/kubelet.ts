// Chapter 9's kubelet: chapter 8's (CRI, exec through the shim's streaming server, a runtime lost mid-stream reported
// on SPDY too), serving HTTPS only with its front door (x509 and token authentication, SubjectAccessReview
// authorization), and talking to the API server with its own client certificate (system:node:<name>), as a kubeadm
// node's kubelet does.
import { StreamingExecStrategy } from '../../kubelet/cri-streaming-exec.ts';
import { criKubeletWiring } from '../../kubelet/cri-wiring.ts';
import { runKubelet } from '../../kubelet/run-kubelet.ts';
import { secureKubelet, secureKubeletFlags } from '../../kubelet/auth/secure-kubelet.ts';
import { spdyLostStreamWatchFor } from '../../proxy/spdy-lost-stream.ts';
import { argValue, statePKI, withFlags } from './certs.ts';

const argv = process.argv.slice(2);
const node = argValue(argv, 'node-name');
if (!node) throw new Error('missing required flag --node-name');
const pki = await statePKI(argv);
const [serving, client] = await Promise.all([pki.kubeletServing(node), pki.kubeletClient(node)]);

await runKubelet({
  ...criKubeletWiring(
    ({ flags }) => new StreamingExecStrategy({ redirect: flags['redirect-container-streaming'] === 'true' }),
    ['redirect-container-streaming', ...secureKubeletFlags],
  ),
  lostStreamWatch: spdyLostStreamWatchFor,
  security: secureKubelet,
}, withFlags(argv, {
  'tls-cert-file': serving.certFile,
  'tls-private-key-file': serving.keyFile,
  'client-ca-file': pki.caFile,
  'certificate-authority': pki.caFile,
  'client-certificate': client.certFile,
  'client-key': client.keyFile,
}));
