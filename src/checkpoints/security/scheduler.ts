// Chapter 9's scheduler: chapter 3's, authenticated by its client certificate (CN system:kube-scheduler).
import { runScheduler } from '../../scheduler/run-scheduler.ts';
import { statePKI, withFlags } from './certs.ts';

const argv = process.argv.slice(2);
const pki = await statePKI(argv);
const cert = await pki.scheduler();
await runScheduler(withFlags(argv, { 'certificate-authority': pki.caFile, 'client-certificate': cert.certFile, 'client-key': cert.keyFile }));
