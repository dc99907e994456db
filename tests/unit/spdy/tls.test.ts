// SpdyConnection over TLS sockets (every hop speaks TLS from chapter 9): the same streams, Close and backpressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { SpdyConnection } from '../../../src/spdy/connection.ts';
import { readAll } from './fixture.ts';

// A throwaway self-signed certificate for 127.0.0.1, made by the openssl CLI (argv, no shell).
function selfSigned(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'spdy-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('over TLS: a stream with 8 MiB each way, then Close (RST, GOAWAY, the TLS socket ended)', async (t) => {
  const pem = selfSigned();
  if (!pem) return t.skip('no openssl CLI to make a certificate');
  const server = tls.createServer(pem).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'secureConnection') as Promise<[tls.TLSSocket]>;
  const socket = tls.connect({ port: (server.address() as { port: number }).port, host: '127.0.0.1', ca: pem.cert });
  await once(socket, 'secureConnect');
  const [serverSocket] = await accepted;
  server.close();
  const client = new SpdyConnection(socket, { role: 'client', pingIntervalMs: 50 });
  const conn = new SpdyConnection(serverSocket, { role: 'server' });
  try {
    const up = randomBytes(8 << 20);
    const down = randomBytes(8 << 20);
    const serverGot = new Promise<string>((resolve) => {
      conn.onStream = (s) => {
        s.reply();
        s.write(down);
        readAll(s).then((b) => { resolve(createHash('sha256').update(b).digest('hex')); void conn.close(); }, () => resolve('error'));
      };
    });
    const s = await client.createStream({ streamtype: 'stdin' });
    s.end(up);
    const got = await readAll(s); // ends at the server's reset
    assert.ok(got.equals(down), `${got.length} of ${down.length} bytes`);
    assert.equal(await serverGot, createHash('sha256').update(up).digest('hex'));
    await Promise.all([client.closed, conn.closed]);
  } finally {
    client.destroy();
    conn.destroy();
  }
});
