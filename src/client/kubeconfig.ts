// Loads kubeconfig files and resolves the context in use to a server, credentials and namespace (client-go tools/clientcmd/loader.go, client_config.go).
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, dirname, isAbsolute } from 'node:path';
import { parse } from 'yaml';

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
}
export interface KubeconfigContext { cluster?: string; user?: string; namespace?: string }

// What a REST client needs, resolved from the kubeconfig plus command-line overrides.
export interface ClientConfig {
  server: string;
  token?: string;
  ca?: Buffer;                  // PEM bytes of certificate-authority(-data)
  cert?: Buffer;                // PEM bytes of client-certificate(-data)
  key?: Buffer;                 // PEM bytes of client-key(-data)
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  namespace: string;            // the context's namespace, else "default"
  contextName?: string;
  loadedFiles: string[];        // as named by the user (kubectl logs them at -v=6)
}

interface Named<T> { name: string; value: T }
interface MergedConfig {
  currentContext?: string;
  clusters: Map<string, KubeconfigCluster>;
  users: Map<string, KubeconfigUser>;
  contexts: Map<string, KubeconfigContext>;
  files: string[];
}

export interface LoadOptions {
  kubeconfig?: string;          // --kubeconfig: only this file, which must exist
  context?: string;             // --context
  cluster?: string;             // --cluster
  user?: string;                // --user
  server?: string;              // --server (-s)
  token?: string;               // --token
  namespace?: string;           // -n
  insecureSkipTLSVerify?: boolean;
  env?: NodeJS.ProcessEnv;      // default process.env (KUBECONFIG, HOME)
  home?: string;
}

export class KubeconfigError extends Error {
  constructor(message: string) { super(message); this.name = 'KubeconfigError'; }
}

// The files in precedence order: --kubeconfig alone, else every KUBECONFIG entry, else ~/.kube/config.
export function kubeconfigFiles(opts: LoadOptions): { files: string[]; mustExist: boolean } {
  if (opts.kubeconfig) return { files: [opts.kubeconfig], mustExist: true };
  const env = opts.env ?? process.env;
  const list = (env.KUBECONFIG ?? '').split(':').filter((f) => f !== '');
  if (list.length > 0) return { files: [...new Set(list)], mustExist: false };
  return { files: [join(opts.home ?? env.HOME ?? homedir(), '.kube', 'config')], mustExist: false };
}

function entries<T>(raw: unknown, key: string, file: string): Named<T>[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new KubeconfigError(`error loading config file "${file}": ${key} must be a list`);
  return raw.flatMap((e: { name?: unknown; [k: string]: unknown }) => {
    const inner = key === 'clusters' ? e.cluster : key === 'users' ? e.user : e.context;
    return typeof e?.name === 'string' ? [{ name: e.name, value: (inner ?? {}) as T }] : [];
  });
}

// Relative paths inside a kubeconfig are relative to that file (clientcmd ResolvePaths).
function resolvePaths(cluster: KubeconfigCluster, user: KubeconfigUser, file: string): void {
  const dir = dirname(resolve(file));
  const ca = cluster['certificate-authority'];
  if (ca && !isAbsolute(ca)) cluster['certificate-authority'] = join(dir, ca);
  if (user.tokenFile && !isAbsolute(user.tokenFile)) user.tokenFile = join(dir, user.tokenFile);
  for (const k of ['client-certificate', 'client-key'] as const) {
    const f = user[k];
    if (f && !isAbsolute(f)) user[k] = join(dir, f);
  }
}

// The first file to name a cluster, user or context wins, as does the first current-context (clientcmd's merge rules).
export function mergeKubeconfigs(opts: LoadOptions): MergedConfig {
  const { files, mustExist } = kubeconfigFiles(opts);
  const merged: MergedConfig = { clusters: new Map(), users: new Map(), contexts: new Map(), files: [] };
  for (const file of files) {
    if (!existsSync(file)) {
      if (mustExist) throw new KubeconfigError(`stat ${file}: no such file or directory`);
      continue;
    }
    let doc: Record<string, unknown>;
    try {
      doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new KubeconfigError(`error loading config file "${file}": ${(err as Error).message}`);
    }
    merged.files.push(file);
    if (!merged.currentContext && typeof doc['current-context'] === 'string' && doc['current-context']) {
      merged.currentContext = doc['current-context'];
    }
    for (const c of entries<KubeconfigCluster>(doc.clusters, 'clusters', file)) {
      if (!merged.clusters.has(c.name)) { resolvePaths(c.value, {}, file); merged.clusters.set(c.name, c.value); }
    }
    for (const u of entries<KubeconfigUser>(doc.users, 'users', file)) {
      if (!merged.users.has(u.name)) { resolvePaths({}, u.value, file); merged.users.set(u.name, u.value); }
    }
    for (const c of entries<KubeconfigContext>(doc.contexts, 'contexts', file)) {
      if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, c.value);
    }
  }
  return merged;
}

export function loadClientConfig(opts: LoadOptions = {}): ClientConfig {
  const merged = mergeKubeconfigs(opts);
  const contextName = opts.context ?? merged.currentContext;
  let context: KubeconfigContext = {};
  if (contextName) {
    const found = merged.contexts.get(contextName);
    // An explicit --context must exist; a dangling current-context only matters if nothing else names a server.
    if (!found && opts.context) throw new KubeconfigError(`context was not found for specified context: ${contextName}`);
    context = found ?? {};
  }
  const clusterName = opts.cluster ?? context.cluster;
  const cluster = (clusterName && merged.clusters.get(clusterName)) || {};
  if (opts.cluster && !merged.clusters.has(opts.cluster)) throw new KubeconfigError(`cluster "${opts.cluster}" does not exist`);
  const user = ((opts.user ?? context.user) && merged.users.get((opts.user ?? context.user)!)) || {};

  // With no cluster at all kubectl still tries the historical default, and says the connection was refused.
  const server = opts.server ?? cluster.server ?? 'http://localhost:8080';
  let ca: Buffer | undefined;
  if (cluster['certificate-authority-data']) ca = Buffer.from(cluster['certificate-authority-data'], 'base64');
  else if (cluster['certificate-authority']) ca = readFileSync(cluster['certificate-authority']);

  // client-go: the -data field wins over the file; both halves or neither (a certificate without its key cannot sign).
  const pem = (data: string | undefined, file: string | undefined) => data ? Buffer.from(data, 'base64') : file ? readFileSync(file) : undefined;
  const cert = pem(user['client-certificate-data'], user['client-certificate']);
  const key = pem(user['client-key-data'], user['client-key']);
  if (!cert !== !key) {
    const who = opts.user ?? context.user ?? '';
    throw new KubeconfigError(cert ? `client-key-data or client-key must be specified for ${who} to use the clientCert authentication method.`
      : `client-cert-data or client-cert must be specified for ${who} to use the clientCert authentication method.`);
  }

  let token = opts.token ?? user.token;
  if (!token && user.tokenFile) token = readFileSync(user.tokenFile, 'utf8').trim();

  return {
    server: server.replace(/\/+$/, ''),
    token: token || undefined,
    ca,
    cert,
    key,
    insecureSkipTLSVerify: opts.insecureSkipTLSVerify ?? cluster['insecure-skip-tls-verify'] ?? false,
    tlsServerName: cluster['tls-server-name'],
    namespace: opts.namespace || context.namespace || 'default',
    contextName,
    loadedFiles: merged.files,
  };
}
