// Chapter 1's walk (npm run steps 1): discovery, a pod created and read three ways, a watch, selectors, errors.
import { step, observe, section, ours, startFromKnownState } from './lib.ts';

// Components running, nodes Ready, no pods or namespaces left by the chapter's commands or an earlier walk.
await startFromKnownState();

section('What kubectl asks first');
await step('The version decides which bundled kubectl the dispatcher runs.', 'kubectl get --raw /version | jq \'{major, minor, gitVersion}\'');
await step('The resources of the core group, with their kinds and short names.',
  'kubectl get --raw /api/v1 | jq -r \'.resources[] | "\\(.name) \\(.kind) \\(.shortNames | join(","))"\'');
observe('Without the short name "po" in that list, `kubectl get po` would not know what "po" means.');
await step('With an empty discovery cache, kubectl asks /api, /apis and /api/v1 before the request you asked for.',
  'KUBECACHEDIR=$(mktemp -d) kubectl -v=6 get po');
observe('The answers are cached per server: the next commands go straight to their own request.');

section('A pod: created, completed by the server, printed by the server');
await step('Create a pod. kubectl POSTs a name, a label and a container.', ['kubectl', 'run', 'nginx', '--image=nginx', '--restart=Never']);
await step('kubectl asks for a Table; the columns and the STATUS text come from the server.', ['kubectl', 'get', 'po']);
await step('-o wide shows the priority-1 columns the server sent all along.', ['kubectl', 'get', 'po', '-o', 'wide']);
await step('The whole object: uid, creationTimestamp, resourceVersion and defaults that kubectl never sent.', ['kubectl', 'get', 'po', 'nginx', '-o', 'yaml']);
await step('-v=6 shows the requests. Discovery is cached, so this is a single GET.', ['kubectl', '-v=6', 'get', 'po', 'nginx']);

section('Watch: the changes after a resourceVersion');
await step('Change the pod: a new resourceVersion.', ['kubectl', 'label', 'po', 'nginx', 'tier=web']);
await step('A watch without resourceVersion starts with the present, as ADDED events.',
  'kubectl get --raw \'/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1\' | jq -c \'[.type, .object.metadata.name, .object.metadata.labels]\'');
await step('From an older resourceVersion, the history since then, in order.',
  'kubectl get --raw "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1&resourceVersion=$(kubectl get ns kube-system -o jsonpath=\'{.metadata.resourceVersion}\')" | jq -c \'[.type, .object.metadata.name, .object.metadata.labels]\'');
observe('kubectl get -w lists first, then watches from the list\'s resourceVersion, so it misses nothing in between.');

section('Selectors run on the server');
await step('A label selector with a set.', ['kubectl', 'get', 'po', '-l', 'tier in (web,api)', '-o', 'name']);
await step('A field selector: pods that no node has taken yet.', ['kubectl', 'get', 'po', '--field-selector', 'spec.nodeName=', '-o', 'name']);
await step('Only the fields the pod strategy exposes can be selected.', ['kubectl', 'get', 'po', '--field-selector', 'spec.image=nginx'], { expectExit: 1 });

section('Errors are Status objects');
await step('404 NotFound.', ['kubectl', 'get', 'po', 'missing'], { expectExit: 1 });
await step('422 Invalid, one cause per line.', ['kubectl', 'run', 'Nginx', '--image=nginx'], { expectExit: 1 });
await step('403 Forbidden: NamespaceLifecycle protects the default namespace.', ['kubectl', 'delete', 'ns', 'default'], { expectExit: 1 });
await step('No exec subresource yet: chapter 2 adds it.', ['kubectl', 'get', '--raw', '/api/v1/namespaces/default/pods/nginx/exec'], { expectExit: 1 });

section('Namespaces, nodes, and the end of a pod');
await step('Create a namespace: kubectl sends this one as protobuf.', ['kubectl', 'create', 'namespace', 'team']);
await step('Four namespaces exist from the start, and now a fifth.', ['kubectl', 'get', 'ns']);
await step('No nodes yet: that is why the pod stays Pending.', ['kubectl', 'get', 'nodes']);
await step('Our own kubectl makes the same requests, and logs them the same way.', ours('-v=6', 'get', 'po', 'nginx'));
await step('Delete: a DELETE, then GETs until the pod answers 404. No node runs it, so it goes at once.', ['kubectl', '-v=6', 'delete', 'pod', 'nginx']);
await step('A pod that names a node is deleted gracefully.',
  'echo \'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pinned"},"spec":{"nodeName":"node-1","containers":[{"name":"app","image":"nginx"}]}}\' | kubectl apply -f -');
await step('The DELETE only marks it: deletionTimestamp, a grace period of 30 s.', ['kubectl', 'delete', 'pod', 'pinned', '--wait=false']);
await step('Terminating, until its node confirms. node-1 does not exist, so nobody will.', ['kubectl', 'get', 'po', 'pinned']);
await step('--force --grace-period=0 removes it at once, and warns what that means.', ['kubectl', 'delete', 'pod', 'pinned', '--force', '--grace-period=0']);
await step('Manifests: kubectl reads /openapi/v3, sees that the server validates, and sends the object.',
  'echo \'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"web","image":"nginx"}]}}\' | kubectl apply -f -');
await step('Delete it.', ['kubectl', 'delete', 'pod', 'web']);
await step('Deleting a namespace deletes what is in it.', ['kubectl', 'delete', 'namespace', 'team']);
observe('Everything a later component does (schedule, run, report status) is a request like these.');
