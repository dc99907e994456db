// A cluster's PKI in a state folder: one CA made once and reused, and the certificates each component needs,
// written as kubeadm lays out /etc/kubernetes/pki (cmd/kubeadm/app/phases/certs: certlist.go, certs.go).
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../util/wait.ts';
import { CertificateAuthority, keyAlgorithmOf, newCertificateAuthority, type CertConfig, type KeyAlgorithm, type KeyPair } from './x509.ts';

// Where a certificate and its key are, and their PEM.
export interface CertFiles extends KeyPair { certFile: string; keyFile: string }

// The loopback names every serving certificate carries: kubectl dials 127.0.0.1, a reader may type localhost.
export const loopbackAltNames = { dnsNames: ['localhost'], ips: ['127.0.0.1', '::1'] };

// #region cert-list
// kubeadm's certificate list, as far as exec needs it. User names and groups are kubeadm's constants.
export const certs = {
  // The API server's serving certificate (CN kube-apiserver), for the names kubectl dials.
  apiServer: (): CertConfig => ({ commonName: 'kube-apiserver', usages: ['serverAuth'], altNames: loopbackAltNames }),
  // The API server's client certificate toward kubelets (kubeadm 1.29+: group kubeadm:cluster-admins, before it system:masters).
  apiServerKubeletClient: (): CertConfig => ({ commonName: 'kube-apiserver-kubelet-client', organization: ['kubeadm:cluster-admins'], usages: ['clientAuth'] }),
  // A kubelet's serving certificate, as the CSR signer kubernetes.io/kubelet-serving makes it.
  kubeletServing: (node: string): CertConfig => ({ commonName: `system:node:${node}`, organization: ['system:nodes'], usages: ['serverAuth'], altNames: loopbackAltNames }),
  // A kubelet's client certificate (kubernetes.io/kube-apiserver-client-kubelet): the Node authorizer's user.
  kubeletClient: (node: string): CertConfig => ({ commonName: `system:node:${node}`, organization: ['system:nodes'], usages: ['clientAuth'] }),
  scheduler: (): CertConfig => ({ commonName: 'system:kube-scheduler', usages: ['clientAuth'] }),
  // admin.conf since kubeadm 1.29: bound to cluster-admin by the kubeadm:cluster-admins ClusterRoleBinding.
  admin: (): CertConfig => ({ commonName: 'kubernetes-admin', organization: ['kubeadm:cluster-admins'], usages: ['clientAuth'] }),
  // super-admin.conf: system:masters, which no RBAC rule can take away.
  superAdmin: (): CertConfig => ({ commonName: 'kubernetes-super-admin', organization: ['system:masters'], usages: ['clientAuth'] }),
  user: (name: string, groups: string[] = []): CertConfig => ({ commonName: name, organization: groups, usages: ['clientAuth'] }),
};
// #endregion cert-list

// File names are made from a certificate's name; nothing from outside reaches a path without this check.
function checkBaseName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.includes('..')) throw new Error(`pki: not a certificate name: ${JSON.stringify(name)}`);
  return name;
}

export class ClusterPKI {
  private constructor(readonly dir: string, readonly ca: CertificateAuthority, readonly caFile: string) {}

  // The PKI of a state folder: <state>/pki, 0700, with ca.crt and ca.key (0600). The first caller makes the CA;
  // every other one, in this process or another, reads it.
  static async open(stateDir: string, opts: { algorithm?: KeyAlgorithm } = {}): Promise<ClusterPKI> {
    const dir = join(stateDir, 'pki');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const pair = await createOnce(dir, 'ca', async () => (await newCertificateAuthority('kubernetes', opts.algorithm)).pair);
    return new ClusterPKI(dir, new CertificateAuthority(pair, keyAlgorithmOf(pair.keyPEM)), join(dir, 'ca.crt'));
  }

  get caPEM(): string { return this.ca.pair.certPEM; }

  // <name>.crt and <name>.key signed by this CA, made on first use and reused after (kubeadm's
  // "Using existing ... certificate and key on disk"). The files are trusted as written: same folder, same owner.
  async certificate(name: string, config: CertConfig): Promise<CertFiles> {
    return createOnce(this.dir, checkBaseName(name), () => this.ca.sign(config));
  }

  async apiServer() { return this.certificate('apiserver', certs.apiServer()); }
  async apiServerKubeletClient() { return this.certificate('apiserver-kubelet-client', certs.apiServerKubeletClient()); }
  async kubeletServing(node: string) { return this.certificate(`kubelet-${checkBaseName(node)}`, certs.kubeletServing(node)); }
  async kubeletClient(node: string) { return this.certificate(`kubelet-${checkBaseName(node)}-client`, certs.kubeletClient(node)); }
  async scheduler() { return this.certificate('scheduler', certs.scheduler()); }
  async admin() { return this.certificate('admin', certs.admin()); }
  async superAdmin() { return this.certificate('super-admin', certs.superAdmin()); }
  // A user's client certificate: users/<name>.crt, CN the name, O each group. Names that are no file names
  // (system:serviceaccount:...) are not users this folder makes.
  async user(name: string, groups: string[] = []): Promise<CertFiles> {
    checkBaseName(name);
    mkdirSync(join(this.dir, 'users'), { recursive: true, mode: 0o700 });
    return createOnce(join(this.dir, 'users'), checkBaseName(name), () => this.ca.sign(certs.user(name, groups)));
  }
}

// Reads <base>.crt/.key in `dir`, or makes them: written under temporary names, then linked into place. link
// fails if the name exists, so of two processes making the same pair one wins and the other reads its files.
// The key is linked first: a reader that finds the certificate finds its key.
async function createOnce(dir: string, base: string, make: () => Promise<KeyPair>): Promise<CertFiles> {
  const certFile = join(dir, `${base}.crt`);
  const keyFile = join(dir, `${base}.key`);
  const read = (): CertFiles => ({ certFile, keyFile, certPEM: readFileSync(certFile, 'utf8'), keyPEM: readFileSync(keyFile, 'utf8') });
  if (existsSync(certFile)) return read();
  const pair = await make();
  const tmp = mkdtempSync(join(dir, `.${base}-`));
  try {
    writeFileSync(join(tmp, 'key'), pair.keyPEM, { mode: 0o600 });
    writeFileSync(join(tmp, 'crt'), pair.certPEM, { mode: 0o644 });
    try {
      linkSync(join(tmp, 'key'), keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Someone else is making this pair: its certificate follows its key.
      await waitFor(() => existsSync(certFile), { timeoutMs: 30_000, what: `${certFile} (its key exists)` });
      return read();
    }
    linkSync(join(tmp, 'crt'), certFile);
    return { certFile, keyFile, ...pair };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
