// The API server's TLS flags: its serving certificate, and the CA its clients' certificates must chain to
// (k8s.io/apiserver/pkg/server/options/serving.go SecureServingOptions, authentication.go ClientCertAuthenticationOptions),
// and the kubelet client's (pkg/kubeapiserver/options KubeletConfig: --kubelet-client-certificate ...).
import { readFileSync } from 'node:fs';
import type { APIServerOptions } from './server.ts';

export const secureServingFlags = ['tls-cert-file', 'tls-private-key-file', 'client-ca-file'] as const;
export const kubeletClientFlags = ['kubelet-client-certificate', 'kubelet-client-key', 'kubelet-certificate-authority'] as const;

// #region serving-wiring
// What a chapter-9 API server entry plugs into runAPIServer: the flags, and the options made from them.
export const secureServing = {
  extraFlags: [...secureServingFlags, ...kubeletClientFlags],
  serving: (flags: Flags) => ({ tls: secureServingOptions(flags), kubeletClientTLS: kubeletClientTLS(flags) }),
};
// #endregion serving-wiring

type Flags = Partial<Record<string, string>>;

function read(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--${flag}: ${(err as Error).message}`);
  }
}

// #region secure-serving
// The serving certificate and client CA, or undefined for plain HTTP (the checkpoints before chapter 9). The
// server asks every client for a certificate but lets one without (or with one that does not chain) through:
// the authenticators decide who that is, and anonymous requests get their own answer.
export function secureServingOptions(flags: Flags): APIServerOptions['tls'] {
  const cert = flags['tls-cert-file'];
  const key = flags['tls-private-key-file'];
  const clientCA = flags['client-ca-file'];
  if (!cert && !key) {
    if (clientCA) throw new Error('--client-ca-file needs --tls-cert-file and --tls-private-key-file: client certificates come over TLS');
    return undefined;
  }
  if (!cert || !key) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  return {
    cert: read('tls-cert-file', cert),
    key: read('tls-private-key-file', key),
    clientCA: clientCA ? read('client-ca-file', clientCA) : undefined,
  };
}
// #endregion secure-serving

// The API server's TLS toward kubelets: its client certificate, and the CA that kubelets' serving certificates
// must chain to. Undefined: kubelets are dialed over plain HTTP (chapters 3-8). Without
// --kubelet-certificate-authority the kubelet's certificate is not verified at all, as upstream ("the apiserver
// does not verify the kubelet's serving certificate"): kubeadm leaves it so; checkpoint 9 sets it.
export function kubeletClientTLS(flags: Flags): { ca?: string; cert?: string; key?: string; insecure?: boolean } | undefined {
  const cert = flags['kubelet-client-certificate'];
  const key = flags['kubelet-client-key'];
  const ca = flags['kubelet-certificate-authority'];
  if (!cert && !key && !ca) return undefined;
  if (!cert !== !key) throw new Error('--kubelet-client-certificate and --kubelet-client-key go together');
  return {
    ca: ca ? read('kubelet-certificate-authority', ca) : undefined,
    cert: cert ? read('kubelet-client-certificate', cert) : undefined,
    key: key ? read('kubelet-client-key', key) : undefined,
    insecure: !ca,
  };
}
