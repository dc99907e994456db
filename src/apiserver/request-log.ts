// Which requests the API server's log leaves out unless asked (WORKBOOK_VERBOSE=1): the heartbeats and polls that
// kubelets and controllers repeat every few seconds. The real API server logs every request only at -v=3 and above
// (httplog in k8s.io/apiserver/pkg/server/httplog); we keep the ones a reader acts on and drop the clock's.
export interface LoggedRequest {
  method: string;
  url: string;          // path and query, as received
  status: number;
  userAgent?: string;
}

// Components, named by the User-Agent their clients send (kubelet/…, kube-scheduler/…, as client-go's default).
const component = /^(kubelet|kube-scheduler|kube-controller-manager)\//;

// Paths a component reads or writes on a timer, whatever happens in the cluster:
// node status (GET the Node, PUT its status: the kubelet's heartbeat; the node lifecycle controller's list of nodes),
// the node's Lease (coordination.k8s.io), and the pod lists and watches that informers re-open.
const periodic: { methods: string[]; path: RegExp }[] = [
  { methods: ['GET', 'PUT', 'PATCH'], path: /^\/api\/v1\/nodes(\/[^/]+(\/status)?)?$/ },
  { methods: ['GET', 'PUT'], path: /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases\/[^/]+$/ },
  { methods: ['GET'], path: /^\/api\/v1\/pods$/ },
];

// A routine request: periodic, sent by a component, and answered without error. Errors are always logged, and so is
// everything a person's client sends (kubectl get nodes makes the same GET as a heartbeat, and the reader wants it).
export function isRoutineRequest(r: LoggedRequest): boolean {
  if (r.status >= 400 || !component.test(r.userAgent ?? '')) return false;
  const path = r.url.split('?')[0]!.replace(/\/+$/, '');
  return periodic.some((p) => p.methods.includes(r.method) && p.path.test(path));
}

// WORKBOOK_VERBOSE=1 (npm run chapter N -- --verbose) logs every request.
export function logsRequest(r: LoggedRequest, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.WORKBOOK_VERBOSE === '1' || !isRoutineRequest(r);
}
