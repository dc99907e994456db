// The status subresource: GET, PUT and PATCH that change only .status (pkg/registry/core/pod/storage/storage.go StatusREST,
// podStatusStrategy.PrepareForUpdate; the same for nodes/status). The main resource's PUT keeps status; this keeps the rest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed } from '../../api/status.ts';
import type { Node, Pod } from '../../api/types.ts';
import { decodeBody, writeJSON } from '../handlers/http.ts';
import { patchWithRetry, readPatch } from '../handlers/resource.ts';
import type { Subresource, SubresourceFactory, SubresourceRequest } from '../subresources.ts';
import { parseRevision } from './store.ts';
import type { Store } from './store.ts';
import type { KObject } from './strategy.ts';

type WithStatus = KObject & { status?: unknown };

export class StatusREST<T extends WithStatus> implements Subresource {
  readonly verbs = ['get', 'patch', 'update'];
  constructor(private readonly store: Store<T>) {}
  get kind(): string { return this.store.strategy.kind; }

  // Everything but status comes from the stored object, whatever the client sent.
  private keepAllButStatus(cur: T, next: T): T {
    return { ...cur, status: next.status };
  }

  async serve(req: IncomingMessage, res: ServerResponse, { namespace, name }: SubresourceRequest): Promise<void> {
    const store = this.store;
    switch (req.method) {
      case 'GET': return writeJSON(res, 200, await store.get(namespace, name));
      case 'PUT': {
        const body = await decodeBody(req, store.strategy.kind) as unknown as T;
        const rv = body.metadata.resourceVersion;
        const updated = await store.guaranteedUpdate(namespace, name, (cur) => this.keepAllButStatus(cur, body), rv ? parseRevision(rv) : undefined);
        return writeJSON(res, 200, updated);
      }
      case 'PATCH': {
        const apply = await readPatch<T>(req);
        const updated = await patchWithRetry(store, namespace, name, apply, (next) =>
          store.guaranteedUpdate(namespace, name, (cur) => this.keepAllButStatus(cur, next), parseRevision(next.metadata.resourceVersion ?? '0')));
        return writeJSON(res, 200, updated);
      }
      default: throw methodNotAllowed();
    }
  }
}

export const podStatusSubresource: SubresourceFactory = (api) => new StatusREST<Pod>(api.pods);
export const nodeStatusSubresource: SubresourceFactory = (api) => new StatusREST<Node>(api.nodes);
