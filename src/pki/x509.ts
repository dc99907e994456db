// Makes keys and X.509 certificates in memory, no files: a CA and the leaves it signs (kubeadm's pkiutil
// NewCertificateAuthority and NewCertAndKey, client-go util/cert Config).
import 'reflect-metadata'; // @peculiar/x509 2 needs a Reflect polyfill loaded before it (its dependency tsyringe checks)
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

// kubeadm's EncryptionAlgorithmType: RSA-2048 is its default, ECDSA-P256 the fast one. Both are accepted by
// the real kubectl and by Node; we default to ECDSA because a test makes a dozen keys (RSA keygen is 50-200 ms each).
export type KeyAlgorithm = 'ECDSA-P256' | 'RSA-2048';

// #region cert-config
// certutil.Config: who the certificate names and what it may be used for. For a client certificate the API
// server and the kubelet read the user from it: CommonName is the user name, each Organization a group.
export interface CertConfig {
  commonName: string;
  organization?: string[];
  usages: ('serverAuth' | 'clientAuth')[];
  altNames?: { dnsNames?: string[]; ips?: string[] };
  validityDays?: number;    // kubeadm: a year for leaves (CertificateValidityPeriod)
}
// #endregion cert-config

export interface KeyPair { certPEM: string; keyPEM: string }

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const rsa = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
const DAY = 86_400_000;

function algorithmOf(alg: KeyAlgorithm) { return alg === 'RSA-2048' ? rsa : ecdsa; }

async function generateKeys(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(algorithmOf(alg), true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

// PEM as kubeadm writes keys: "EC PRIVATE KEY" (SEC1) or "RSA PRIVATE KEY" (PKCS#1).
async function keyToPEM(key: CryptoKey, alg: KeyAlgorithm): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: alg === 'RSA-2048' ? 'pkcs1' : 'sec1' }) as string;
}

async function importKey(pem: string, alg: KeyAlgorithm): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, algorithmOf(alg), false, ['sign']);
}

// A positive 128-bit serial, as crypto/rand in certutil gives (a leading 0x00..0x7f byte keeps it positive in DER).
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

// Distinguished names are written the way Go's pkix.Name prints them (O before CN).
function distinguishedName(cn: string, orgs: string[] = []): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=#])/g, '\\$1');
  return [...orgs.map((o) => `O=${esc(o)}`), `CN=${esc(cn)}`].join(', ');
}

// A signing authority: its certificate and key, as PEM.
export class CertificateAuthority {
  readonly cert: X509Certificate;
  private signingKey?: Promise<CryptoKey>;
  constructor(readonly pair: KeyPair, readonly algorithm: KeyAlgorithm) { this.cert = new X509Certificate(pair.certPEM); }

  // NewCertAndKey: a fresh key, a leaf signed by this CA for `config`, valid from an hour ago (clock skew) for a year.
  async sign(config: CertConfig): Promise<KeyPair> {
    if (!config.commonName) throw new Error('must specify a CommonName');
    if (config.usages.length === 0) throw new Error('must specify at least one ExtKeyUsage');
    const keys = await generateKeys(this.algorithm);
    this.signingKey ??= importKey(this.pair.keyPEM, this.algorithm);
    const issuer = new x509.X509Certificate(this.pair.certPEM);
    const now = Date.now();
    const sans: x509.JsonGeneralName[] = [
      ...(config.altNames?.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(config.altNames?.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (this.algorithm === 'RSA-2048' ? x509.KeyUsageFlags.keyEncipherment : 0), true),
      new x509.ExtendedKeyUsageExtension(config.usages.map((u) => x509.ExtendedKeyUsage[u])),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
    ];
    if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: distinguishedName(config.commonName, config.organization),
      issuer: issuer.subject,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + (config.validityDays ?? 365) * DAY),
      publicKey: keys.publicKey,
      signingKey: await this.signingKey,
      signingAlgorithm: algorithmOf(this.algorithm),
      extensions,
    });
    return { certPEM: cert.toString('pem') + '\n', keyPEM: await keyToPEM(keys.privateKey, this.algorithm) };
  }
}

// #region new-ca
// NewCertificateAuthority: a self-signed CA ("kubernetes", as kubeadm names it), ten years, allowed to sign
// certificates and nothing else.
export async function newCertificateAuthority(commonName = 'kubernetes', algorithm: KeyAlgorithm = 'ECDSA-P256'): Promise<CertificateAuthority> {
  const keys = await generateKeys(algorithm);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(commonName),
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 3650 * DAY),
    keys,
    signingAlgorithm: algorithmOf(algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return new CertificateAuthority({ certPEM: cert.toString('pem') + '\n', keyPEM: await keyToPEM(keys.privateKey, algorithm) }, algorithm);
}
// #endregion new-ca

// The algorithm of a key in PEM, so a CA read back from files signs with what it is.
export function keyAlgorithmOf(keyPEM: string): KeyAlgorithm {
  const k = createPrivateKey(keyPEM);
  if (k.asymmetricKeyType === 'ec') return 'ECDSA-P256';
  if (k.asymmetricKeyType === 'rsa') return 'RSA-2048';
  throw new Error(`unsupported CA key type ${k.asymmetricKeyType}`);
}
