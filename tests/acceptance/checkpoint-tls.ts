// What a raw client (ws, streamExec, an https request) presents to a checkpoint's API server: from chapter 9 on the CA
// to verify it and the admin's certificate, as the kubeconfig the supervisor writes carries them; before, nothing.
import { request } from 'node:https';
import type { RunningCheckpoint } from '../../src/workbook/checkpoint.ts';
import { kubeconfigCredentials } from '../../src/workbook/kubeconfig.ts';

export interface ClientTLS { ca?: string; cert?: string; key?: string }

export function clientTLS(cp: RunningCheckpoint): ClientTLS {
  const creds = kubeconfigCredentials(cp.announcements.apiserver ?? {});
  const user = creds.user && 'certPEM' in creds.user ? creds.user : undefined;
  return creds.caPEM ? { ca: creds.caPEM, ...(user && { cert: user.certPEM, key: user.keyPEM }) } : {};
}

// fetch for either scheme: over https with the checkpoint's CA and the admin's certificate (fetch takes neither).
export async function apiFetch(cp: RunningCheckpoint, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json(): Promise<unknown> }> {
  if (!url.startsWith('https:')) return fetch(url, init);
  const tls = clientTLS(cp);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ...tls, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(Buffer.concat(chunks).toString()) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
