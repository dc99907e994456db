// pods/exec with admission on CONNECT: chapter 2's ExecREST, with the admission chain ConnectResource runs before
// it asks the connecter for a location (k8s.io/apiserver/pkg/endpoints/handlers/rest.go ConnectResource).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from '../../api/types.ts';
import type { ExecBackend } from '../exec/backend.ts';
import { execOptionsFromQuery } from '../exec/options.ts';
import { ExecREST } from '../exec/rest.ts';
import { writeStatus } from '../handlers/http.ts';
import type { Store } from '../registry/store.ts';
import type { APIContext, SubresourceFactory, SubresourceRequest } from '../subresources.ts';
import { connectAdmission } from './connect.ts';
import type { AdmissionChain } from './interfaces.ts';

// #region admitted-exec-rest
export class AdmittedExecREST extends ExecREST {
  private readonly admit: ReturnType<typeof connectAdmission>;

  constructor(pods: Store<Pod>, backend: ExecBackend, chain: AdmissionChain) {
    super(pods, backend);
    this.admit = connectAdmission(chain);
  }

  // Upstream order: the method is routed first (405), then admission sees the options as the client sent them,
  // before the pod is read and the container defaulted; a refusal is written before any upgrade.
  override async connect(req: IncomingMessage, socket: Duplex, head: Buffer, target: SubresourceRequest): Promise<void> {
    if (connectMethod(req)) await this.admit(target, execOptionsFromQuery(target.query));
    return super.connect(req, socket, head, target);
  }

  override async serve(req: IncomingMessage, res: ServerResponse, target: SubresourceRequest): Promise<void> {
    try {
      if (connectMethod(req)) await this.admit(target, execOptionsFromQuery(target.query));
    } catch (err) { return writeStatus(res, err); }
    return super.serve(req, res, target);
  }
}
// #endregion admitted-exec-rest

function connectMethod(req: IncomingMessage): boolean { return req.method === 'GET' || req.method === 'POST'; }

// pods/exec for chapter 9's wiring: `'pods/exec': admittedExecSubresource(backendFactory, (api) => chain)`.
export function admittedExecSubresource(makeBackend: (api: APIContext) => ExecBackend,
  makeChain: (api: APIContext) => AdmissionChain): SubresourceFactory {
  return (api) => new AdmittedExecREST(api.pods, makeBackend(api), makeChain(api));
}
