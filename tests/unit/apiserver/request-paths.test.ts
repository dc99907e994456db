// Paths the API server refuses before any handler: a malformed %-escape gets Go's bare 400 (plain and upgrade),
// and an upgrade to a path the plain request finds nothing at (/api/v1/pods/web/exec: no namespace) is the same 404.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { APIServer } from '../../../src/apiserver/server.ts';
import type { SubresourceRequest } from '../../../src/apiserver/subresources.ts';

async function start(t: TestContext) {
  const reached: SubresourceRequest[] = [];
  const server = new APIServer({
    name: 'apiserver', stateDir: '/nonexistent', log: () => {},
    subresources: {
      'pods/exec': () => ({
        kind: 'PodExecOptions', verbs: ['create', 'get'],
        serve: async (_req, res, target) => { reached.push(target); res.end(); },
        upgrade: async (_req, socket, _head, target) => { reached.push(target); socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'); },
      }),
    },
  });
  const url = new URL(await server.listen(0));
  t.after(() => server.close());
  return { port: Number(url.port), reached };
}

// The whole answer to one raw request, read until the server closes.
async function raw(port: number, requestLine: string, upgrade: boolean): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  let out = '';
  sock.on('data', (c) => { out += c.toString('latin1'); });
  sock.write(`${requestLine} HTTP/1.1\r\nHost: a\r\n${upgrade ? 'Connection: Upgrade\r\nUpgrade: websocket\r\n' : 'Connection: close\r\n'}\r\n`);
  await once(sock, 'close');
  return out;
}
const body = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);

test('a malformed %-escape in the path: Go\'s bare 400 Bad Request, plain or upgrade, and the server keeps serving', async (t) => {
  const { port, reached } = await start(t);
  for (const upgrade of [false, true]) {
    for (const path of ['/api/v1/namespaces/%zz/pods', '/api/v1/namespaces/default/pods/web%/exec?command=true']) {
      const answer = await raw(port, `GET ${path}`, upgrade);
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, `${path} (upgrade: ${upgrade})`);
      assert.match(answer, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
      assert.match(answer, /\r\nConnection: close\r\n/i);
      assert.equal(body(answer), '400 Bad Request');
    }
  }
  // A well-formed escape that is not UTF-8 names nothing: a 404 Status, not a 500.
  const odd = await raw(port, 'GET /api/v1/namespaces/%ff/pods', false);
  assert.match(odd, /^HTTP\/1\.1 404 /);
  assert.equal(JSON.parse(body(odd)).reason, 'NotFound');
  assert.match(await raw(port, 'GET /api/v1/namespaces/default/pods/web/exec?command=true', true), /^HTTP\/1\.1 101 /);
  assert.equal(reached.length, 1);
});

test('/api/v1/pods/web/exec (no namespace) is 404 "could not find the requested resource" on upgrade as for the plain request', async (t) => {
  const { port, reached } = await start(t);
  const plain = await raw(port, 'GET /api/v1/pods/web/exec?command=true', false);
  const upgrade = await raw(port, 'GET /api/v1/pods/web/exec?command=true', true);
  for (const answer of [plain, upgrade]) {
    assert.match(answer, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.deepEqual(JSON.parse(body(answer)), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404,
    });
  }
  assert.deepEqual(reached, [], 'pods/exec never saw the request (it used to get namespace undefined)');
});
