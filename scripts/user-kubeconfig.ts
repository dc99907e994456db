// Prints a kubeconfig for a user of a running chapter-9 checkpoint: a client certificate (CN the user, O each group)
// signed by the checkpoint's CA, as `kubeadm kubeconfig user --client-name` makes one. The state folder is $KUBECONFIG's.
// Usage: node --import tsx scripts/user-kubeconfig.ts <user> [group...] > user.kubeconfig
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ClusterPKI } from '../src/pki/pki.ts';
import { kubeconfigYAML } from '../src/workbook/kubeconfig.ts';

const [user, ...groups] = process.argv.slice(2).filter((a) => a !== '--');
if (!user) { console.error('usage: user-kubeconfig.ts <user> [group...]'); process.exit(2); }
const kubeconfig = process.env.KUBECONFIG;
if (!kubeconfig) { console.error('KUBECONFIG is not set: run a chapter 9 checkpoint and export what it prints'); process.exit(2); }
const stateDir = dirname(resolve(kubeconfig));
const api = JSON.parse(readFileSync(resolve(stateDir, 'apiserver.ready.json'), 'utf8')) as { url: string };
const pki = await ClusterPKI.open(stateDir);
const cert = await pki.user(user, groups);
process.stdout.write(kubeconfigYAML(api.url, 'workbook', { caPEM: pki.caPEM, user: { name: user, certPEM: cert.certPEM, keyPEM: cert.keyPEM } }));
