// Client certificates: a certificate chaining to the client CA, valid now and usable for client auth, authenticates
// as its subject's CN, in the groups of its O values (k8s.io/apiserver/pkg/authentication/request/x509/x509.go,
// CommonNameUserConversion).
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { UserInfo } from '../request-context.ts';
import type { Authenticator } from './authenticator.ts';

const ClientAuth = '1.3.6.1.5.5.7.3.2';
const AnyExtendedKeyUsage = '2.5.29.37.0';

// Splits a PEM bundle (the --client-ca-file) into its certificates.
export function parseCABundle(pem: string | Buffer): X509Certificate[] {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) throw new Error('client CA bundle: no certificates found');
  return blocks.map((b) => new X509Certificate(b));
}

// #region x509
export class X509Authenticator implements Authenticator {
  constructor(private readonly roots: X509Certificate[], private readonly now = () => new Date()) {}

  async authenticateRequest(req: IncomingMessage): Promise<UserInfo | undefined> {
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') return undefined;   // plain HTTP
    const peer = socket.getPeerCertificate(true);
    if (!peer || !peer.raw) return undefined;                               // no client certificate offered
    const chain = peerChain(peer);
    this.verify(chain);
    // The subject as Node parses it: repeated O values come as an array.
    const subject = chain[0]!.toLegacyObject().subject as unknown as Record<string, string | string[] | undefined>;
    const cn = [subject.CN].flat()[0];
    if (!cn) return undefined;                                              // no user name to give: not ours
    return { name: cn, groups: [subject.O ?? []].flat() };
  }

  // x509.Verify with the client CA as roots and ExtKeyUsageClientAuth: errors name the certificate, as upstream logs.
  private verify(chain: X509Certificate[]): void {
    const leaf = chain[0]!;
    const eku = leaf.keyUsage;
    if (eku && !eku.includes(ClientAuth) && !eku.includes(AnyExtendedKeyUsage)) {
      throw new Error(`verifying certificate ${describe(leaf)} failed: x509: certificate specifies an incompatible key usage`);
    }
    const now = this.now();
    for (let i = 0; i < chain.length; i++) {
      const cert = chain[i]!;
      if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
        throw new Error(`verifying certificate ${describe(leaf)} failed: x509: certificate has expired or is not yet valid`);
      }
      const root = this.roots.find((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
      if (root) return;
      // Otherwise the next certificate the client sent must be a CA that issued this one.
      const next = chain[i + 1];
      if (!next || !next.ca || !cert.checkIssued(next) || !cert.verify(next.publicKey)) break;
    }
    throw new Error(`verifying certificate ${describe(leaf)} failed: x509: certificate signed by unknown authority`);
  }
}
// #endregion x509

// The certificates the client sent, leaf first (Node links them by issuerCertificate; a self-signed one links to itself).
function peerChain(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cur: DetailedPeerCertificate | undefined = peer;
  while (cur?.raw && chain.length < 10) {
    chain.push(new X509Certificate(cur.raw));
    if (cur.issuerCertificate === cur) break;
    cur = cur.issuerCertificate;
  }
  return chain;
}

const describe = (c: X509Certificate) => `SN=${BigInt(`0x${c.serialNumber}`)}, subject=${JSON.stringify(c.subject.replace(/\n/g, ','))}`;
