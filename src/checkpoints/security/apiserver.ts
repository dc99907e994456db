// Chapter 9's API server: chapter 8's exec (a v5 WebSocket translated to SPDY, the rest proxied) behind authentication, RBAC, admission on connect
// (DenyEscalatingExec) and the create check, audited (--audit-log-path, default <state>/audit.log), served over HTTPS, and dialing kubelets over TLS with its own client certificate (kube-apiserver
// --tls-cert-file, --client-ca-file, --kubelet-client-certificate as kubeadm sets them, and --kubelet-certificate-authority, which
// kubeadm leaves out: its kubelets sign their own serving certificates, ours have theirs from the cluster CA).
import { join, resolve } from 'node:path';
import type { NodeAddress } from '../../api/types.ts';
import { admitExecOnConnect } from '../../apiserver/admission/connect.ts';
import { DenyEscalatingExec } from '../../apiserver/admission/deny-exec.ts';
import { AdmissionChain } from '../../apiserver/admission/interfaces.ts';
import type { Auditor } from '../../apiserver/audit/auditor.ts';
import { auditFlags, auditorFromFlags } from '../../apiserver/audit/flags.ts';
import { APISecurity, securityFlags, securityOptionsFromFlags } from '../../apiserver/auth/security.ts';
import { execSubresource } from '../../apiserver/exec/rest.ts';
import { TranslatingExecBackend } from '../../apiserver/exec/translating-backend.ts';
import { podBindingSubresource } from '../../apiserver/registry/binding.ts';
import { nodeStatusSubresource, podStatusSubresource } from '../../apiserver/registry/status.ts';
import { runAPIServer } from '../../apiserver/run.ts';
import { secureServing } from '../../apiserver/secure-serving.ts';
import { plannedSubresources } from '../../apiserver/subresources.ts';
import { spdyLostStreamWatchFor } from '../../proxy/spdy-lost-stream.ts';
import { tlsDialer } from '../../proxy/tls-dial.ts';
import { onShutdown } from '../../util/lifecycle.ts';
import { kubeadmBindings } from './kubeadm-bindings.ts';
import { argValue, statePKI, withFlags } from './certs.ts';

const argv = process.argv.slice(2);
const pki = await statePKI(argv);
const [serving, kubeletClient, admin] = await Promise.all([pki.apiServer(), pki.apiServerKubeletClient(), pki.admin()]);
const security = new APISecurity();
let auditor: Auditor | undefined;
// Registered before runAPIServer's own: it runs after the server has closed, so the sessions it cut off are logged.
onShutdown(() => auditor?.close());

await runAPIServer({
  extraFlags: [...securityFlags, ...secureServing.extraFlags, ...auditFlags],
  // Audit sits after authentication (who presented credentials) and before impersonation and authorization; the
  // failed-authentication audit before them all.
  extensions: (flags) => {
    auditor = auditorFromFlags(flags);
    return [
      security.configure({
        ...securityOptionsFromFlags(flags),
        ...(auditor && {
          beforeAuthentication: [auditor.failedAuthenticationFilter()],
          afterAuthentication: [auditor.filter()],
          annotate: (req, key, value) => auditor!.annotate(req, key, value),
        }),
      }),
      kubeadmBindings,
    ];
  },
  serving: secureServing.serving,
  // The supervisor writes the reader's kubeconfig from these: the CA to verify us, the admin's certificate.
  announce: { caFile: pki.caFile, adminCertFile: admin.certFile, adminKeyFile: admin.keyFile },
  subresources: {
    ...plannedSubresources(),
    'pods/status': podStatusSubresource,
    'pods/binding': podBindingSubresource,
    'nodes/status': nodeStatusSubresource,
    // #region security-exec
    // Chapter 8's backend, both ways over TLS to the kubelet with the API server's kubelet client certificate: the
    // translator's SPDY and the proxied upgrades dial the same way (--kubelet-client-certificate, the CA to verify it).
    'pods/exec': admitExecOnConnect(security.connectCreate(execSubresource((api) => new TranslatingExecBackend({
      getNode: (name) => api.nodes.get(undefined, name),
      preferredAddressTypes: ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS', 'ExternalIP'] as NodeAddress['type'][],
      scheme: 'https',
      proxy: { dial: tlsDialer(api.kubeletClientTLS ?? {}), lostStreamWatch: spdyLostStreamWatchFor },
      log: api.log,
    }))), (api) => new AdmissionChain([new DenyEscalatingExec((ns, name) => api.pods.get(ns, name))])),
    // #endregion security-exec
  },
}, withFlags(argv, {
  'tls-cert-file': serving.certFile,
  'tls-private-key-file': serving.keyFile,
  'client-ca-file': pki.caFile,
  'kubelet-client-certificate': kubeletClient.certFile,
  'kubelet-client-key': kubeletClient.keyFile,
  'kubelet-certificate-authority': pki.caFile,
  'audit-log-path': join(resolve(argValue(argv, 'state-dir')!), 'audit.log'),
}));
