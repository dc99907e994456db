// Chapter 9's kubelet flags made into its security: a client certificate toward the API server, HTTPS on its
// port, x509 and token authentication, SubjectAccessReview authorization, and a plain /healthz on loopback
// (cmd/kubelet/app/server.go BuildAuth, KubeletConfiguration's authentication/authorization, healthzPort).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onShutdown } from '../../util/lifecycle.ts';
import type { KubeletRuntimeContext, KubeletSecurity } from '../run-kubelet.ts';
import { KubeletAuthenticator } from './authenticator.ts';
import { alwaysAllow, KubeletFrontDoor } from './front-door.ts';
import { WebhookAuthorizer } from './webhook-authorizer.ts';

export const secureKubeletFlags = [
  'tls-cert-file', 'tls-private-key-file', 'client-ca-file', 'anonymous-auth', 'authentication-token-webhook',
  'authorization-mode', 'healthz-port', 'feature-gates',
  // The kubelet's kubeconfig, as flags: how it reaches the API server.
  'certificate-authority', 'client-certificate', 'client-key',
] as const;

type Flags = Record<string, string | undefined>;

function file(flags: Flags, name: string): string | undefined {
  const path = flags[name];
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--${name}: ${(err as Error).message}`);
  }
}

function bool(flags: Flags, name: string, fallback: boolean): boolean {
  const v = flags[name];
  if (v === undefined) return fallback;
  if (v !== 'true' && v !== 'false') throw new Error(`--${name}: true or false, not ${v}`);
  return v === 'true';
}

// #region secure-kubelet
// The defaults are the KubeletConfiguration file's (what kubeadm runs), not the old flags': anonymous off,
// bearer tokens checked with the API server, every request authorized by it (Webhook).
export async function secureKubelet(ctx: KubeletRuntimeContext): Promise<KubeletSecurity> {
  const { flags, nodeName, log } = ctx;
  const cert = file(flags, 'tls-cert-file');
  const key = file(flags, 'tls-private-key-file');
  if (!cert || !key) throw new Error('--tls-cert-file and --tls-private-key-file are required: this kubelet serves HTTPS only');
  const clientCA = file(flags, 'client-ca-file');
  const mode = flags['authorization-mode'] ?? 'Webhook';
  if (mode !== 'Webhook' && mode !== 'AlwaysAllow') throw new Error(`--authorization-mode: Webhook or AlwaysAllow, not ${mode}`);
  const gates = flags['feature-gates'] ?? '';
  const fineGrained = /(^|,)KubeletFineGrainedAuthz=true(,|$)/.test(gates);
  const healthz = await listenHealthz(Number(flags['healthz-port'] ?? 0));
  log(`kubelet ${nodeName}: HTTPS only; client certificates ${clientCA ? 'checked against --client-ca-file' : 'not accepted'}, authorization ${mode}; /healthz at ${healthz}`);
  return {
    apiserverTLS: {
      ca: file(flags, 'certificate-authority'),
      cert: file(flags, 'client-certificate'),
      key: file(flags, 'client-key'),
    },
    // Client certificates are asked for, not required: a request without one is anonymous, for the front door to refuse.
    serving: (client) => ({
      tls: { cert, key, ...(clientCA ? { ca: clientCA, requestCert: true, rejectUnauthorized: false } : {}) },
      frontDoor: new KubeletFrontDoor({
        nodeName,
        authenticator: new KubeletAuthenticator({
          anonymous: bool(flags, 'anonymous-auth', false),
          tokenReview: bool(flags, 'authentication-token-webhook', true) ? client : undefined,
        }),
        authorizer: mode === 'Webhook' ? new WebhookAuthorizer({ client }) : alwaysAllow,
        fineGrained,
        log,
      }),
    }),
    announce: { healthzURL: healthz },
  };
}
// #endregion secure-kubelet

// The kubelet's healthz port (10248 upstream, loopback, plain HTTP, nothing but /healthz): how a supervisor knows
// it is up without credentials for the secure port.
async function listenHealthz(port: number): Promise<string> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--healthz-port: not a port number: ${port}`);
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://kubelet').pathname === '/healthz') return void res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => { server.off('error', reject); resolve(); });
  });
  onShutdown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
