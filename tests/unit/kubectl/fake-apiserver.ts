// A tiny API server for kubectl unit tests: legacy discovery, pods with Tables, NotFound Statuses, and a record of every request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Pod } from '../../../src/api/types.ts';
import { runKubectl } from '../../../src/kubectl/kubectl.ts';
import type { StreamExec } from '../../../src/kubectl/cmd/exec.ts';

export interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

const notFound = (name: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `pods "${name}" not found`, reason: 'NotFound', details: { name, kind: 'pods' }, code: 404 });

export function podTable(pods: Pod[]) {
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '9' },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', priority: 0 }, { name: 'Ready', type: 'string', priority: 0 },
      { name: 'Status', type: 'string', priority: 0 }, { name: 'Restarts', type: 'integer', priority: 0 },
      { name: 'Age', type: 'string', priority: 0 }, { name: 'IP', type: 'string', priority: 1 }, { name: 'Node', type: 'string', priority: 1 },
    ],
    rows: pods.map((p) => ({ cells: [p.metadata.name, '0/1', p.status?.phase ?? 'Pending', 0, '5m', '<none>', '<none>'], object: { metadata: p.metadata } })),
  };
}

export function pod(name: string, extra: Partial<Pod> = {}): Pod {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '3' }, spec: { containers: [{ name }] }, status: { phase: 'Pending' }, ...extra };
}

// graceful: a DELETE marks the pod (deletionTimestamp) and keeps it, as the real server does for a pod on a node;
// the test removes it from `pods` when it wants the deletion to finish.
export async function fakeAPIServer(t: { after: (fn: () => Promise<void>) => void }, initial: Pod[] = [], opts: { graceful?: boolean } = {}) {
  const pods = new Map(initial.map((p) => [p.metadata.name!, p]));
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const send = (code: number, obj: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(obj)); };
      const u = new URL(req.url!, 'http://x');
      const table = (req.headers.accept ?? '').includes('as=Table');
      if (u.pathname === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
      if (u.pathname === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'] });
      if (u.pathname === '/apis') return send(200, { kind: 'APIGroupList', groups: [] });
      if (u.pathname === '/api/v1') {
        return send(200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
          { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
          { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'], shortNames: ['ns'] },
        ] });
      }
      const m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods(?:\/([^/]+))?$/.exec(u.pathname);
      if (!m) return send(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'the server could not find the requested resource', code: 404, metadata: {} });
      const name = m[2] && decodeURIComponent(m[2]);
      if (!name && req.method === 'GET') {
        if (u.searchParams.get('watch')) { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(); return; }
        const items = [...pods.values()];
        return send(200, table ? podTable(items) : { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '9' }, items });
      }
      if (!name && req.method === 'POST') {
        const p = JSON.parse(body) as Pod;
        p.metadata.namespace = m[1];
        pods.set(p.metadata.name!, p);
        return send(201, p);
      }
      const p = name ? pods.get(name) : undefined;
      if (!p) return send(404, notFound(name ?? ''));
      if (req.method === 'DELETE') {
        if (!opts.graceful) { pods.delete(name!); return send(200, p); }
        p.metadata.deletionTimestamp = new Date(Date.now() + 30_000).toISOString();
        return send(200, p);
      }
      return send(200, table ? podTable([p]) : p);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-unit-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n`);
  t.after(() => new Promise<void>((r) => { rmSync(dir, { recursive: true, force: true }); server.closeAllConnections(); server.close(() => r()); }));
  return { url, kubeconfig, seen, pods };
}

// Runs our kubectl in this process with captured streams.
export async function kubectl(kubeconfig: string, argv: string[], opts: { stdin?: string; streamExec?: StreamExec } = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  input.end(opts.stdin ?? '');
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += c));
  err.on('data', (c) => (stderr += c));
  const code = await runKubectl(['--kubeconfig', kubeconfig, ...argv], {
    streams: { in: input, out, err },
    env: {},
    streamExec: opts.streamExec ? async () => opts.streamExec! : undefined,
  });
  return { code, stdout, stderr };
}
