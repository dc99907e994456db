// Test certificates from the cluster PKI (src/pki, the same code checkpoint 9 uses): a CA in a temp folder, a
// serving certificate for 127.0.0.1, client certificates with CN = user and O = groups; another CA for impostors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterPKI } from '../../../../src/pki/pki.ts';

export interface Pair { cert: string; key: string }

export class TestPKI {
  private constructor(readonly dir: string, private readonly pki: ClusterPKI) {}

  static async create(): Promise<TestPKI> {
    const dir = mkdtempSync(join(tmpdir(), 'rbac-pki-'));
    return new TestPKI(dir, await ClusterPKI.open(dir));
  }

  get ca(): Pair { return { cert: this.pki.caPEM, key: this.pki.ca.pair.keyPEM }; }

  async leaf(name: string, subject: { cn: string; o?: string[] }, usage: 'server' | 'client'): Promise<Pair> {
    const f = await this.pki.certificate(name, {
      commonName: subject.cn, organization: subject.o, usages: [usage === 'server' ? 'serverAuth' : 'clientAuth'],
      ...(usage === 'server' ? { altNames: { dnsNames: ['localhost'], ips: ['127.0.0.1'] } } : {}),
    });
    return { cert: f.certPEM, key: f.keyPEM };
  }

  remove(): void { rmSync(this.dir, { recursive: true, force: true }); }
}
