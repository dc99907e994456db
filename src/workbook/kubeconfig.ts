// Writes the kubeconfig a checkpoint hands to kubectl (ours and the real one): one cluster, one user, one context.
import { readFileSync, writeFileSync } from 'node:fs';

// Chapter 9: the cluster's CA, so kubectl verifies the server (never insecure-skip-tls-verify), and the user's
// credential: a client certificate and key, or a bearer token. PEM text; written base64 as the *-data fields.
export interface KubeconfigCredentials {
  caPEM?: string;
  user?: { name?: string; certPEM: string; keyPEM: string } | { name?: string; token: string };
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

export function kubeconfigYAML(server: string, name = 'workbook', creds: KubeconfigCredentials = {}): string {
  const user = creds.user;
  // Over https the real kubectl prompts "Please enter Username:" when a user has no credential at all.
  const userLines = !user ? ['  user: {}']
    : 'token' in user ? ['  user:', `    token: ${user.token}`]
    : ['  user:', `    client-certificate-data: ${b64(user.certPEM)}`, `    client-key-data: ${b64(user.keyPEM)}`];
  const userName = user?.name ?? 'reader';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    ...(creds.caPEM ? [`    certificate-authority-data: ${b64(creds.caPEM)}`] : []),
    `    server: ${server}`,
    'users:',
    `- name: ${userName}`,
    ...userLines,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${userName}`,
    '    namespace: default',
    `current-context: ${name}`,
    '',
  ].join('\n');
}

export function writeKubeconfig(file: string, server: string, creds: KubeconfigCredentials = {}): void {
  writeFileSync(file, kubeconfigYAML(server, 'workbook', creds), { mode: 0o600 });
}

// Chapter 9: a secured API server announces its CA and the admin's certificate files (kubeadm's admin.conf user).
export function kubeconfigCredentials(a: Record<string, unknown>): KubeconfigCredentials {
  const read = (f: unknown) => (typeof f === 'string' ? readFileSync(f, 'utf8') : undefined);
  const caPEM = read(a.caFile);
  const certPEM = read(a.adminCertFile);
  const keyPEM = read(a.adminKeyFile);
  return { caPEM, user: certPEM && keyPEM ? { name: 'kubernetes-admin', certPEM, keyPEM } : undefined };
}
