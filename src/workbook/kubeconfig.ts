// Writes the kubeconfig a checkpoint hands to kubectl (ours and the real one): one cluster, one user, one context.
import { writeFileSync } from 'node:fs';

export function kubeconfigYAML(server: string, name = 'workbook'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    'users:',
    '- name: reader',
    '  user: {}',
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    '    user: reader',
    '    namespace: default',
    `current-context: ${name}`,
    '',
  ].join('\n');
}

export function writeKubeconfig(file: string, server: string): void {
  writeFileSync(file, kubeconfigYAML(server), { mode: 0o600 });
}
