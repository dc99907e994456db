import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { parseCABundle, X509Authenticator } from '../../../../src/apiserver/auth/x509.ts';
import { TestPKI, type Pair } from './certs.ts';

let pki: TestPKI, other: TestPKI;
let serving: Pair;

before(async () => { pki = await TestPKI.create(); other = await TestPKI.create(); serving = await pki.leaf('server', { cn: 'server' }, 'server'); });
after(() => { pki?.remove(); other?.remove(); });

// A real TLS connection: the authenticator reads the certificate the client presented on the socket.
async function authenticate(auth: X509Authenticator, client?: Pair): Promise<unknown> {
  let result: unknown;
  const server = createServer({ cert: serving.cert, key: serving.key, requestCert: true, rejectUnauthorized: false }, async (req: IncomingMessage, res) => {
    try { result = await auth.authenticateRequest(req); } catch (err) { result = err instanceof Error ? `error: ${err.message}` : err; }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, ca: pki.ca.cert, ...(client ? { cert: client.cert, key: client.key } : {}) }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end();
  });
  await new Promise((r) => server.close(r));
  return result;
}

test('a certificate from the client CA is its CN, in the groups of its O values', async () => {
  const auth = new X509Authenticator(parseCABundle(pki.ca.cert));
  const alice = await pki.leaf('alice', { cn: 'alice', o: ['dev', 'ops'] }, 'client');
  assert.deepEqual(await authenticate(auth, alice), { name: 'alice', groups: ['dev', 'ops'] });
  assert.equal(await authenticate(auth), undefined, 'no certificate: not this authenticator\'s request');
});

test('another CA, a serving-only certificate, or an expired one: refused, with the certificate named', async () => {
  const auth = new X509Authenticator(parseCABundle(pki.ca.cert));
  const forged = await other.leaf('forged', { cn: 'admin', o: ['system:masters'] }, 'client');
  assert.match(String(await authenticate(auth, forged)), /^error: verifying certificate SN=\d+, subject="O=system:masters,CN=admin" failed: x509: certificate signed by unknown authority$/);
  const serverOnly = await pki.leaf('server-only', { cn: 'bob' }, 'server');
  assert.match(String(await authenticate(auth, serverOnly)), /x509: certificate specifies an incompatible key usage/);
  const later = new X509Authenticator(parseCABundle(pki.ca.cert), () => new Date(Date.now() + 400 * 86400_000));
  const carol = await pki.leaf('carol', { cn: 'carol' }, 'client');
  assert.match(String(await authenticate(later, carol)), /x509: certificate has expired or is not yet valid/);
});

test('the CA bundle: several certificates, and none is an error', async () => {
  assert.equal(parseCABundle(pki.ca.cert + other.ca.cert).length, 2);
  assert.throws(() => parseCABundle('not a pem'), /no certificates found/);
  // Either CA of the bundle vouches for its own.
  const auth = new X509Authenticator(parseCABundle(pki.ca.cert + other.ca.cert));
  const dave = await other.leaf('dave', { cn: 'dave' }, 'client');
  assert.deepEqual(await authenticate(auth, dave), { name: 'dave', groups: [] });
});
