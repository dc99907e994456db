// Chapter 9's walk (npm run steps 9): users alice (view) and bob (edit) with certificates from the checkpoint's CA,
// what RBAC says each may do, alice's exec refused with the real sentence, bob's exec, a kubelet that refuses anyone
// without a certificate, and bob's session in the API server's audit log.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { step, observe, section, waitUntil, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

const stateDir = dirname(process.env.KUBECONFIG ?? '.');
const announced = (name: string) => JSON.parse(readFileSync(join(stateDir, `${name}.ready.json`), 'utf8')) as { url: string };
const kubeconfigOf = (user: string) => join(stateDir, `${user}.kubeconfig`);

section('A pod, as the admin');
await step('The kubeconfig the checkpoint wrote: the cluster\'s CA, and the admin\'s client certificate (no passwords, no\n'
  + 'insecure-skip-tls-verify).', 'kubectl config view -o jsonpath=\'{.clusters[0].cluster.server}{"\\n"}{.users[0].name}{"\\n"}\'');
await step('Create the article\'s pod.', ['kubectl', 'run', 'nginx', '--image=nginx']);
await waitUntil('it runs', ['kubectl', 'get', 'po', 'nginx', '-o', 'jsonpath={.status.phase}'], (out) => out.trim() === 'Running');

section('Two users: alice may look, bob may change');
// Bindings are not among what the known state clears: an earlier walk's are removed here, so each walk starts alike.
await step('Remove what an earlier walk bound.', ['kubectl', 'delete', 'rolebinding', 'alice-view', 'bob-edit', '--ignore-not-found']);
for (const user of ['alice', 'bob']) {
  await step(`A client certificate for ${user} from the checkpoint's CA (CN=${user}), in a kubeconfig of its own.`,
    `node --import tsx scripts/user-kubeconfig.ts ${user} > ${kubeconfigOf(user)}`);
}
await step('alice gets the built-in view role in namespace default.', ['kubectl', 'create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice']);
await step('bob gets edit.', ['kubectl', 'create', 'rolebinding', 'bob-edit', '--clusterrole=edit', '--user=bob']);
await step('May alice exec? `pods/exec` would ask about a pod named "exec": the subresource has its own flag.',
  ['kubectl', 'auth', 'can-i', 'create', 'pods', '--subresource=exec', '--as=alice'], { expectExit: 1 });
await step('May bob?', ['kubectl', 'auth', 'can-i', 'create', 'pods', '--subresource=exec', '--as=bob']);
await step('alice may read pods: view allows get, list and watch.', ['kubectl', 'auth', 'can-i', 'get', 'pods', '--as=alice']);
observe('--as is impersonation: the admin asks the API server (a SelfSubjectAccessReview) as if it were alice, which\n'
  + 'the admin may do because cluster-admin includes the impersonate verb. The answer comes from the same RBAC\n'
  + 'evaluation every request goes through.');

section('The exec, as each of them');
await step('alice execs: refused with RBAC\'s sentence.', ['kubectl', '--kubeconfig', kubeconfigOf('alice'), 'exec', 'nginx', '--', 'id'], { expectExit: 1 });
observe('kubectl 1.30+ sends a GET (a WebSocket upgrade), yet the check is create: since the upstream fix for\n'
  + 'k8s#133515 the API server authorizes the upgrade as the create it really is. A get used to be enough,\n'
  + 'which let a read-only user open a shell.');
await step('bob execs: allowed.', ['kubectl', '--kubeconfig', kubeconfigOf('bob'), 'exec', 'nginx', '--', 'sh', '-c', 'echo bob was here; exit 3'], { expectExit: 3 });

section('The kubelet\'s own door');
const kubelet = announced('kubelet-node-1').url;
await step('Straight to a kubelet\'s port with curl, no certificate (-k skips verifying the kubelet, not being verified).',
  ['curl', '-sk', '-w', '\\n%{http_code}\\n', `${kubelet}/pods`]);
await step('The same for an exec.', ['curl', '-sk', '-X', 'POST', '-w', '\\n%{http_code}\\n', `${kubelet}/exec/default/nginx/nginx?command=id&output=1`]);
observe('401 Unauthorized: the kubelet takes only client certificates signed by the cluster\'s CA (and tokens the\n'
  + 'API server vouches for), then asks the API server, with a SubjectAccessReview, whether that user may reach\n'
  + 'nodes/proxy. The API server passes with its own kubelet client certificate.');

section('What the audit log says about bob\'s session');
const audit = join(stateDir, 'audit.log');
await step('bob\'s exec requests in the API server\'s audit log (one line per stage), the last session\'s two stages.',
  `jq -c 'select(.user.username == "bob" and .objectRef.subresource == "exec") | {stage, verb, uri: .requestURI, code: .responseStatus.code, decision: .annotations["authorization.k8s.io/decision"]}' ${audit} | tail -n 2`);
await step('The session record at ResponseComplete: how long, how many bytes each way, and the exit code.',
  `jq -c 'select(.user.username == "bob" and .objectRef.subresource == "exec" and .stage == "ResponseComplete") | .annotations | with_entries(select(.key | startswith("exec.workbook.dev/")))' ${audit} | tail -n 1`);
await step('alice\'s refusal is there too.',
  `jq -c 'select(.user.username == "alice" and .objectRef.subresource == "exec") | {stage, verb, code: .responseStatus.code, decision: .annotations["authorization.k8s.io/decision"]}' ${audit} | tail -n 1`);
observe('The command\'s arguments show as [redacted] after the first (the audit policy\'s redaction): a command line\n'
  + 'can carry a secret. Upstream\'s audit stops at the 101; the exit code is ours, read from the error stream.');
await step('Clean up.', 'kubectl delete pod nginx && kubectl delete rolebinding alice-view bob-edit');
