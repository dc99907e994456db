// ExecREST: the pods/exec subresource. Decodes PodExecOptions, checks them against the pod, then hands the
// upgrade to an ExecBackend (pkg/registry/core/pod/rest/subresources.go, ExecREST.Connect).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRequest, StatusError } from '../../api/status.ts';
import type { Pod } from '../../api/types.ts';
import { writeStatus } from '../handlers/http.ts';
import type { Store } from '../registry/store.ts';
import type { APIContext, Subresource, SubresourceFactory, SubresourceRequest } from '../subresources.ts';
import type { ExecBackend, PodExecOptions } from './backend.ts';
import { execOptionsFromQuery, validateExec } from './options.ts';

// #region exec-rest
export class ExecREST implements Subresource {
  readonly kind = 'PodExecOptions';
  // GET is the WebSocket upgrade (kubectl 1.30+), POST the SPDY one: both are "connect".
  readonly verbs = ['create', 'get'];

  constructor(private readonly pods: Store<Pod>, private readonly backend: ExecBackend) {}

  // The pod and validated options for this request, or a Status (404, 400) thrown.
  async prepare(target: SubresourceRequest): Promise<{ pod: Pod; options: PodExecOptions }> {
    const requested = execOptionsFromQuery(target.query);
    const pod = await this.pods.get(target.namespace, target.name);
    return { pod, options: validateExec(pod, requested) };
  }

  // Without `Upgrade:` there is no stream to run on: validate anyway, so the error says what is wrong first.
  async serve(req: IncomingMessage, res: ServerResponse, target: SubresourceRequest): Promise<void> {
    try {
      checkMethod(req);
      await this.prepare(target);
      throw badRequest('Upgrade request required');
    } catch (err) { writeStatus(res, err); }
  }

  // Validation errors throw here and the server writes them on the raw socket: kubectl falls back from the
  // WebSocket GET to the SPDY POST on any non-101, and shows only the second error, so both get the same Status.
  async connect(req: IncomingMessage, socket: Duplex, head: Buffer, target: SubresourceRequest): Promise<void> {
    checkMethod(req);
    const { pod, options } = await this.prepare(target);
    await this.backend.connect(req, socket, head, pod, options);
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: SubresourceRequest): Promise<void> {
    return this.connect(req, socket, head, target);
  }
}
// #endregion exec-rest

// The route table has GET and POST for a connect subresource; go-restful answers any other method 405, and
// the API server's serviceErrorHandler turns that into a generic Status (NewGenericServerResponse) that keeps
// go-restful's words as a cause. Its Allow header is lost on the way, so ours sends none either.
function checkMethod(req: IncomingMessage): void {
  if (req.method === 'GET' || req.method === 'POST') return;
  throw new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 405, reason: 'MethodNotAllowed',
    message: 'the server does not allow this method on the requested resource',
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: '405: Method Not Allowed' }] },
  });
}

// pods/exec for a checkpoint's wiring: `'pods/exec': execSubresource((api) => new SomeBackend(...))`.
export function execSubresource(makeBackend: (api: APIContext) => ExecBackend): SubresourceFactory {
  return (api) => new ExecREST(api.pods, makeBackend(api));
}
