// Test helper: an in-process API server with chapter 9's security (static tokens over plain HTTP, which fetch and raw
// sockets send as they are), a fake exec backend that answers 101, and users bound as the chapter binds them.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { APIServer } from '../../../../src/apiserver/server.ts';
import { execSubresource } from '../../../../src/apiserver/exec/rest.ts';
import { plannedSubresources } from '../../../../src/apiserver/subresources.ts';
import type { ExecBackend } from '../../../../src/apiserver/exec/backend.ts';
import { APISecurity, type SecurityOptions } from '../../../../src/apiserver/auth/security.ts';

export const tokens = `admin-token,admin,1,"system:masters"\nalice-token,alice,2\nbob-token,bob,3,"dev"\ncarol-token,carol,4\n`;

export class FakeExecBackend implements ExecBackend {
  calls: string[] = [];
  connect(req: IncomingMessage, socket: Duplex): void {
    this.calls.push(req.method ?? '');
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\nreached`);
  }
}

export async function startSecure(t: TestContext, opts: SecurityOptions = {}) {
  const backend = new FakeExecBackend();
  const security = new APISecurity({ tokenAuthFile: tokens, log: () => {}, ...opts });
  const server = new APIServer({
    name: 'apiserver', stateDir: '/nonexistent', log: () => {}, extensions: [security],
    subresources: { ...plannedSubresources(), 'pods/exec': security.connectCreate(execSubresource(() => backend)) },
  });
  const url = await server.listen(0);
  t.after(() => server.close());
  const call = async (token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method, headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = text; }
    return { code: res.status, body: json };
  };
  const admin = (method: string, path: string, body?: unknown) => call('admin-token', method, path, body);
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const bind = async (name: string, user: string, roleKind: 'ClusterRole' | 'Role', role: string, namespace = 'default') => {
    const r = await admin('POST', `${rbac}/namespaces/${namespace}/rolebindings`, {
      metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
    });
    assert.equal(r.code, 201, JSON.stringify(r.body));
  };
  const createPod = async (name: string) => {
    const r = await admin('POST', '/api/v1/namespaces/default/pods', { metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    assert.equal(r.code, 201, JSON.stringify(r.body));
  };
  return { server, url, backend, security, call, admin, bind, createPod, rbac };
}

// A raw exec upgrade as kubectl sends it: the WebSocket GET, or the SPDY POST of the fallback.
export function upgrade(url: string, path: string, kind: 'websocket' | 'spdy', token?: string, extra = ''): Promise<{ code: number; body: string }> {
  const { port } = new URL(url);
  const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1');
    const head = kind === 'websocket'
      ? `GET ${path} HTTP/1.1\r\nHost: x\r\n${auth}${extra}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`
      : `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}${extra}Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`;
    let raw = '';
    sock.on('data', (c) => { raw += c.toString(); });
    sock.on('end', () => { sock.destroy(); const [h, body = ''] = raw.split('\r\n\r\n'); resolve({ code: Number(h!.split(' ')[1]), body }); });
    sock.on('error', reject);
    sock.write(head);
  });
}
