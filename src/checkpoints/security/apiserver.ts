// Chapter 9's API server: chapter 5's kubelet-backed exec behind authentication, RBAC and the create check on
// connect, served over HTTPS, and dialing kubelets over TLS with its own client certificate (kube-apiserver
// --tls-cert-file, --client-ca-file, --kubelet-client-certificate, --kubelet-certificate-authority, as kubeadm sets them).
import type { NodeAddress } from '../../api/types.ts';
import { APISecurity, securityFlags, securityOptionsFromFlags } from '../../apiserver/auth/security.ts';
import { KubeletExecBackend } from '../../apiserver/exec/kubelet.ts';
import { execSubresource } from '../../apiserver/exec/rest.ts';
import { podBindingSubresource } from '../../apiserver/registry/binding.ts';
import { nodeStatusSubresource, podStatusSubresource } from '../../apiserver/registry/status.ts';
import { runAPIServer } from '../../apiserver/run.ts';
import { secureServing } from '../../apiserver/secure-serving.ts';
import { plannedSubresources } from '../../apiserver/subresources.ts';
import { tlsDialer } from '../../proxy/tls-dial.ts';
import { kubeadmBindings } from './kubeadm-bindings.ts';
import { statePKI, withFlags } from './certs.ts';

const argv = process.argv.slice(2);
const pki = await statePKI(argv);
const [serving, kubeletClient, admin] = await Promise.all([pki.apiServer(), pki.apiServerKubeletClient(), pki.admin()]);
const security = new APISecurity();

await runAPIServer({
  extraFlags: [...securityFlags, ...secureServing.extraFlags],
  extensions: (flags) => [security.configure(securityOptionsFromFlags(flags)), kubeadmBindings],
  serving: secureServing.serving,
  // The supervisor writes the reader's kubeconfig from these: the CA to verify us, the admin's certificate.
  announce: { caFile: pki.caFile, adminCertFile: admin.certFile, adminKeyFile: admin.keyFile },
  subresources: {
    ...plannedSubresources(),
    'pods/status': podStatusSubresource,
    'pods/binding': podBindingSubresource,
    'nodes/status': nodeStatusSubresource,
    'pods/exec': security.connectCreate(execSubresource((api) => new KubeletExecBackend({
      getNode: (name) => api.nodes.get(undefined, name),
      preferredAddressTypes: ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS', 'ExternalIP'] as NodeAddress['type'][],
      scheme: 'https',
      proxy: { dial: tlsDialer(api.kubeletClientTLS ?? {}) },
      log: api.log,
    }))),
  },
}, withFlags(argv, {
  'tls-cert-file': serving.certFile,
  'tls-private-key-file': serving.keyFile,
  'client-ca-file': pki.caFile,
  'kubelet-client-certificate': kubeletClient.certFile,
  'kubelet-client-key': kubeletClient.keyFile,
  'kubelet-certificate-authority': pki.caFile,
}));
