// Test certificates made with the openssl CLI (argv arrays, a temp folder): a CA, a serving certificate for
// 127.0.0.1, and client certificates with CN = user and O = groups. Chapter 9's own PKI (src/pki, branch i14-tls)
// will make these for checkpoints; the tests only need certificates a real kubectl accepts.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pair { cert: string; key: string; certFile: string; keyFile: string }

export async function hasOpenSSL(): Promise<boolean> {
  return run('openssl', ['version']).then(() => true, () => false);
}

export class TestPKI {
  readonly dir = mkdtempSync(join(tmpdir(), 'rbac-pki-'));
  private serial = 1;
  ca!: Pair;

  static async create(name = 'test-ca'): Promise<TestPKI> {
    const pki = new TestPKI();
    pki.ca = await pki.selfSigned(name);
    return pki;
  }

  private files(base: string) { return { certFile: join(this.dir, `${base}.crt`), keyFile: join(this.dir, `${base}.key`) }; }
  private read(f: { certFile: string; keyFile: string }): Pair { return { ...f, cert: readFileSync(f.certFile, 'utf8'), key: readFileSync(f.keyFile, 'utf8') }; }

  async selfSigned(cn: string): Promise<Pair> {
    const f = this.files(`ca-${cn}`);
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256', '-days', '1',
      '-keyout', f.keyFile, '-out', f.certFile, '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return this.read(f);
  }

  // A leaf signed by `ca` (this PKI's CA unless another is given).
  async leaf(base: string, subject: { cn: string; o?: string[] }, usage: 'server' | 'client', ca: Pair = this.ca): Promise<Pair> {
    const f = this.files(base);
    const csr = join(this.dir, `${base}.csr`), ext = join(this.dir, `${base}.ext`);
    const subj = [...(subject.o ?? []).map((o) => `/O=${o}`), `/CN=${subject.cn}`].join('');
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f.keyFile, '-out', csr, '-subj', subj]);
    writeFileSync(ext, usage === 'server'
      ? 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'
      : 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', String(this.serial++), '-days', '1', '-sha256', '-extfile', ext, '-out', f.certFile]);
    return this.read(f);
  }

  remove(): void { rmSync(this.dir, { recursive: true, force: true }); }
}
